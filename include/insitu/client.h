// The insitu client: tensors in and out of an insitu database (standalone over TCP or a Unix
// socket, or a Redis Cluster), with SmartRedis's call names and semantics.
//
// Configuration comes from the environment (SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT, SR_CONN_TIMEOUT,
// SR_CONN_INTERVAL, SR_CMD_TIMEOUT, SR_CMD_INTERVAL, SR_SOCKET_TIMEOUT, SR_LOG_FILE, SR_LOG_LEVEL)
// or from a ConfigOptions object. Every call throws an insitu::Exception subclass on failure.
// A Client is not thread-safe (like the peer's): use one per thread.
#pragma once

#include <insitu/config_options.h>
#include <insitu/errors.h>
#include <insitu/reply.h>
#include <insitu/tensor_types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace insitu {

class Client {
public:
    // Configuration from the environment.
    explicit Client(const std::string& logger_name = "default");
    explicit Client(const char* logger_name) : Client(std::string(logger_name)) {}
    // Configuration from `cfg` (the client copies what it needs; cfg may be destroyed after).
    explicit Client(const ConfigOptions* cfg, const std::string& logger_name = "default");
    // Deprecated SmartRedis form: the cluster flag overrides SR_DB_TYPE.
    [[deprecated("use Client(logger_name) with SR_DB_TYPE")]] Client(bool cluster,
                                                                     const std::string& logger_name);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // ---- tensors ----------------------------------------------------------------------------
    // Stores `data` (shape `dims`, element type `type`, laid out as `layout`) under `name`.
    void put_tensor(const std::string& name, const void* data, const std::vector<std::size_t>& dims,
                    TensorType type, MemoryLayout layout);
    // Reads a tensor into memory owned by the client, valid until the client is destroyed
    // (the peer's semantics). `layout` selects Contiguous or Nested (a pointer tree).
    void get_tensor(const std::string& name, void*& data, std::vector<std::size_t>& dims,
                    TensorType& type, MemoryLayout layout);
    void get_tensor(const std::string& name, void*& data, std::size_t*& dims, std::size_t& n_dims,
                    TensorType& type, MemoryLayout layout);
    // Reads a tensor straight into the caller's buffer. `type` must match the stored dtype; `dims`
    // must match the stored shape (for contiguous layouts, the element count must match).
    void unpack_tensor(const std::string& name, void* data, const std::vector<std::size_t>& dims,
                       TensorType type, MemoryLayout layout);
    // Reads a tensor into memory from `allocate(type, dims)`, which must return a buffer of
    // element_size(type) * product(dims) bytes (row-major) or throw; the client keeps nothing,
    // so the caller owns the result (used by the Python binding for numpy-owned arrays).
    using TensorAllocator =
        std::function<void*(TensorType type, const std::vector<std::size_t>& dims)>;
    void get_tensor_into(const std::string& name, const TensorAllocator& allocate);
    void rename_tensor(const std::string& old_name, const std::string& new_name);
    void delete_tensor(const std::string& name);
    void copy_tensor(const std::string& src_name, const std::string& dest_name);
    bool tensor_exists(const std::string& name);
    bool poll_tensor(const std::string& name, int poll_frequency_ms, int num_tries);

    // ---- keys (no prefix applied) -----------------------------------------------------------
    bool key_exists(const std::string& key);
    bool poll_key(const std::string& key, int poll_frequency_ms, int num_tries);

    // ---- ensemble key prefixing ---------------------------------------------------------------
    void set_data_source(std::string source_id);
    void use_tensor_ensemble_prefix(bool use);
    void use_dataset_ensemble_prefix(bool use);
    void use_model_ensemble_prefix(bool use);
    void use_list_ensemble_prefix(bool use);

    // ---- administration; `address` is "host:port" (or "unix:///path") of one node ------------
    std::unordered_map<std::string, std::unordered_map<std::string, std::string>> get_db_node_info(
        const std::string& address);
    std::unordered_map<std::string, std::string> get_db_cluster_info(const std::string& address);
    void flush_db(const std::string& address);
    std::unordered_map<std::string, std::string> config_get(const std::string& expression,
                                                            const std::string& address);
    void config_set(const std::string& config_param, const std::string& value,
                    const std::string& address);
    void save(const std::string& address);

    // ---- insitu extras ------------------------------------------------------------------------
    bool is_cluster() const;
    // Addresses of the database nodes ("host:port"; primaries in a cluster).
    std::vector<std::string> node_addresses() const;
    // Any command; in a cluster it is routed by `args[key_index]` (no key: any node).
    // Error replies are returned as Reply::Type::error, not thrown.
    Reply run_command(const std::vector<std::string>& args, int key_index = 1);
    Reply run_command_on(const std::string& address, const std::vector<std::string>& args);

    std::string to_string() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace insitu
