// The insitu client: tensors in and out of an insitu database (standalone over TCP or a Unix
// socket, or a Redis Cluster), with SmartRedis's call names and semantics.
//
// Configuration comes from the environment (SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT, SR_CONN_TIMEOUT,
// SR_CONN_INTERVAL, SR_CMD_TIMEOUT, SR_CMD_INTERVAL, SR_SOCKET_TIMEOUT, SR_MODEL_TIMEOUT,
// SR_LOG_FILE, SR_LOG_LEVEL) or from a ConfigOptions object. Every call throws an
// insitu::Exception subclass on failure. A Client is not thread-safe (like the peer's): use one
// per thread.
#pragma once

#include <insitu/config_options.h>
#include <insitu/dataset.h>
#include <insitu/errors.h>
#include <insitu/logging.h>
#include <insitu/reply.h>
#include <insitu/tensor_types.h>

#include <cstddef>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace insitu {

// "{tag}.name": keys built with the same tag share a Redis Cluster hash slot (and so a shard),
// which lets run_model / run_script execute on them without moving any tensor.
inline std::string hash_tagged(const std::string& tag, const std::string& name) {
    return "{" + tag + "}." + name;
}

// A tensor of the one-round-trip run_model: the caller's memory, read in place (inputs) or
// written in place (outputs), with its shape, element type and layout.
struct InputTensor {
    const void* data = nullptr;
    std::vector<std::size_t> dims;
    TensorType type = TensorType::Invalid;
    MemoryLayout layout = MemoryLayout::Contiguous;
};
struct OutputTensor {
    void* data = nullptr;
    std::vector<std::size_t> dims;
    TensorType type = TensorType::Invalid;
    MemoryLayout layout = MemoryLayout::Contiguous;
};

// One item a batch call (put_tensors, unpack_tensors) could not do; the other items were done.
struct BatchFailure {
    std::size_t index = 0;  // into the call's lists
    std::string name;
    ErrorCode code = ErrorCode::None;  // what the single call would have thrown
    std::string message;
};
// Thrown by a batch call once every item was tried, when some failed: what() names each failed
// item; the code is the first failure's.
class BatchException : public Exception {
  public:
    explicit BatchException(std::vector<BatchFailure> failures);
    const std::vector<BatchFailure>& failures() const noexcept { return failures_; }

  private:
    std::vector<BatchFailure> failures_;
};

class Client {
  public:
    // Configuration from the environment.
    explicit Client(const std::string& logger_name = "default");
    explicit Client(const char* logger_name) : Client(std::string(logger_name)) {}
    // Configuration from `cfg` (the client copies what it needs; cfg may be destroyed after).
    explicit Client(const ConfigOptions* cfg, const std::string& logger_name = "default");
    // Deprecated SmartRedis form: the cluster flag overrides SR_DB_TYPE.
    [[deprecated("use Client(logger_name) with SR_DB_TYPE")]] Client(
        bool cluster, const std::string& logger_name);
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
    // Batch calls (insitu extension): put_tensor / unpack_tensor of names[i] <-> tensors[i] for
    // every i, as pipelines (per shard in a cluster: all of a shard's commands are sent before
    // its replies are read), so small tensors share round trips. The caller's memory is read or
    // written in place, as by the single calls. Every item is tried; if any failed, throws
    // BatchException listing them (the others are stored / read).
    void put_tensors(const std::vector<std::string>& names,
                     const std::vector<InputTensor>& tensors);
    void unpack_tensors(const std::vector<std::string>& names,
                        const std::vector<OutputTensor>& tensors);
    // The same read into memory from `allocate(i, type, dims)` (called once tensor i's dtype and
    // shape are known; it returns element_size(type) * product(dims) bytes, row-major, or
    // throws): the Python binding's get_tensors.
    void get_tensors_into(
        const std::vector<std::string>& names,
        const std::function<void*(std::size_t index, TensorType type,
                                  const std::vector<std::size_t>& dims)>& allocate);
    void rename_tensor(const std::string& old_name, const std::string& new_name);
    void delete_tensor(const std::string& name);
    void copy_tensor(const std::string& src_name, const std::string& dest_name);
    bool tensor_exists(const std::string& name);
    bool poll_tensor(const std::string& name, int poll_frequency_ms, int num_tries);

    // ---- datasets (SmartRedis 0.6.1 layout: "<prefix>.{name}.meta" hash, tensors at
    // "<prefix>.{name}.<tensor>", ".COMPLETE" written last) --------------------------------------
    // Throws ParameterException for a dataset with neither tensors nor metadata.
    void put_dataset(const DataSet& dataset);
    // Throws KeyException when the dataset does not exist or is not completely written yet.
    DataSet get_dataset(const std::string& name);
    void rename_dataset(const std::string& old_name, const std::string& new_name);
    void copy_dataset(const std::string& src_name, const std::string& dest_name);
    void delete_dataset(const std::string& name);
    bool dataset_exists(const std::string& name);
    bool poll_dataset(const std::string& name, int poll_frequency_ms, int num_tries);

    // ---- aggregation lists (Redis lists of dataset keys) --------------------------------------
    // The dataset must have been put already (the list holds only its key).
    void append_to_list(const std::string& list_name, const DataSet& dataset);
    void delete_list(const std::string& list_name);
    void copy_list(const std::string& src_name, const std::string& dest_name);
    void rename_list(const std::string& src_name, const std::string& dest_name);
    int get_list_length(const std::string& list_name);
    bool poll_list_length(const std::string& name, int list_length, int poll_frequency_ms,
                          int num_tries);
    bool poll_list_length_gte(const std::string& name, int list_length, int poll_frequency_ms,
                              int num_tries);
    bool poll_list_length_lte(const std::string& name, int list_length, int poll_frequency_ms,
                              int num_tries);
    std::vector<DataSet> get_datasets_from_list(const std::string& list_name);
    // Inclusive range; negative indexes count from the end (-1: the last dataset).
    std::vector<DataSet> get_dataset_list_range(const std::string& list_name, int start_index,
                                                int end_index);

    // ---- models ---------------------------------------------------------------------------------
    // `backend`: TF, TFLITE, TORCH or ONNX (any case); `device`: CPU or one containing GPU
    // (GPU, GPU:1, ...). INPUTS/OUTPUTS are for TF only (and required there). The blob is sent in
    // chunks of the server's MODEL_CHUNK_SIZE. In a cluster the model is stored on every shard.
    void set_model(const std::string& name, std::string_view model, const std::string& backend,
                   const std::string& device, int batch_size = 0, int min_batch_size = 0,
                   int min_batch_timeout = 0, const std::string& tag = "",
                   const std::vector<std::string>& inputs = {},
                   const std::vector<std::string>& outputs = {});
    void set_model_from_file(const std::string& name, const std::string& model_file,
                             const std::string& backend, const std::string& device,
                             int batch_size = 0, int min_batch_size = 0, int min_batch_timeout = 0,
                             const std::string& tag = "",
                             const std::vector<std::string>& inputs = {},
                             const std::vector<std::string>& outputs = {});
    // One copy per GPU first_gpu .. first_gpu+num_gpus-1 under "<name>.GPU:<i>" (device GPU:<i>),
    // plus "<name>" on device GPU for get_model.
    void set_model_multigpu(const std::string& name, std::string_view model,
                            const std::string& backend, int first_gpu, int num_gpus,
                            int batch_size = 0, int min_batch_size = 0, int min_batch_timeout = 0,
                            const std::string& tag = "",
                            const std::vector<std::string>& inputs = {},
                            const std::vector<std::string>& outputs = {});
    void set_model_from_file_multigpu(const std::string& name, const std::string& model_file,
                                      const std::string& backend, int first_gpu, int num_gpus,
                                      int batch_size = 0, int min_batch_size = 0,
                                      int min_batch_timeout = 0, const std::string& tag = "",
                                      const std::vector<std::string>& inputs = {},
                                      const std::vector<std::string>& outputs = {});
    // The bytes the model was stored with (AI.MODELGET BLOB); memory owned by the client.
    std::string_view get_model(const std::string& name);
    // AI.MODELEXECUTE ... TIMEOUT <SR_MODEL_TIMEOUT> (default 3600000 ms). A request that waited
    // longer than that in the run queue throws TimeoutException.
    void run_model(const std::string& name, std::vector<std::string> inputs,
                   std::vector<std::string> outputs);
    // A whole inference in one round trip (one AI.DAGEXECUTE: inline TENSORSET |> MODELEXECUTE |>
    // TENSORGET): the inputs go out from the caller's memory, the outputs land in the caller's
    // buffers, and no key is written (the tensors live only inside the request). Each output's
    // dtype and shape are checked against its buffer before anything is written there
    // (TypeException / ParameterException naming the output). A missing model throws
    // KeyException; a backend error (e.g. a wrong input shape) DatabaseException; a request that
    // waited longer than SR_MODEL_TIMEOUT in the run queue TimeoutException. In a cluster it runs
    // on one shard's copy of the model (the shard this client picked at random, so that many
    // clients spread over the shards). The model name is prefixed like run_model's.
    // (A template only so that run_model(name, {"a", "b"}, {"c", "d"}) still picks the key overload
    // above: a two-element list of strings also converts to vector<InputTensor>.)
    template <typename = void>
    void run_model(const std::string& name, const std::vector<InputTensor>& inputs,
                   const std::vector<OutputTensor>& outputs) {
        run_model_inline(name, inputs, outputs);
    }
    // The same, with `n_outputs` outputs received into memory from `allocate(index, type, dims)`
    // (called once each output's dtype and shape are known; it returns a buffer of
    // element_size(type) * product(dims) bytes, row-major, or throws): for callers that do not
    // know the output shapes beforehand (the Python binding's numpy arrays).
    using OutputAllocator = std::function<void*(std::size_t index, TensorType type,
                                                const std::vector<std::size_t>& dims)>;
    void run_model_into(const std::string& name, const std::vector<InputTensor>& inputs,
                        std::size_t n_outputs, const OutputAllocator& allocate);
    // Runs "<name>.GPU:<first_gpu + offset % num_gpus>" (offset: e.g. the MPI rank).
    void run_model_multigpu(const std::string& name, std::vector<std::string> inputs,
                            std::vector<std::string> outputs, int offset, int first_gpu,
                            int num_gpus);
    void delete_model(const std::string& name);
    void delete_model_multigpu(const std::string& name, int first_gpu, int num_gpus);
    // True for scripts too (like the peer).
    bool model_exists(const std::string& name);
    bool poll_model(const std::string& name, int poll_frequency_ms, int num_tries);
    // AI.CONFIG MODEL_CHUNK_SIZE on every node; later set_model calls use it.
    void set_model_chunk_size(int chunk_size);

    // ---- scripts (TorchScript; AI.SCRIPTSET / AI.SCRIPTRUN like SmartRedis 0.6.1) ---------------
    void set_script(const std::string& name, const std::string& device, std::string_view script);
    void set_script_from_file(const std::string& name, const std::string& device,
                              const std::string& script_file);
    void set_script_multigpu(const std::string& name, std::string_view script, int first_gpu,
                             int num_gpus);
    void set_script_from_file_multigpu(const std::string& name, const std::string& script_file,
                                       int first_gpu, int num_gpus);
    std::string_view get_script(const std::string& name);
    void run_script(const std::string& name, const std::string& function,
                    std::vector<std::string> inputs, std::vector<std::string> outputs);
    void run_script_multigpu(const std::string& name, const std::string& function,
                             std::vector<std::string> inputs, std::vector<std::string> outputs,
                             int offset, int first_gpu, int num_gpus);
    void delete_script(const std::string& name);
    void delete_script_multigpu(const std::string& name, int first_gpu, int num_gpus);

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
    // AI.INFO of a model or script on one node (in a cluster, that node's copy; the shard prefix
    // is stripped from the "key" field). With reset_stat the statistics are reset and the map is
    // empty.
    std::unordered_map<std::string, std::string> get_ai_info(const std::string& address,
                                                             const std::string& key,
                                                             bool reset_stat);

    // ---- logging under the client's logger name (SR_LOG_FILE, SR_LOG_LEVEL) -----------------
    void log_data(LogLevel level, const std::string& data) const;
    void log_warning(LogLevel level, const std::string& data) const;  // "WARNING: ..."
    void log_error(LogLevel level, const std::string& data) const;    // "ERROR: ..."

    // ---- insitu extras ------------------------------------------------------------------------
    bool is_cluster() const;
    // Addresses of the database nodes ("host:port"; primaries in a cluster).
    std::vector<std::string> node_addresses() const;
    // A key for tensor `name` that shares the hash slot of the copies of models and scripts on
    // shard `rank % shards` (cluster), so run_model / run_script on such tensors move nothing,
    // whatever the server. Standalone: `name` itself.
    std::string shard_key(const std::string& name, int rank) const;
    // Tensor bytes that run_model / run_script copied through the client (serialized tensors
    // read plus written) since construction or the last reset: 0 when every run found its
    // tensors in one slot.
    std::uint64_t bytes_moved() const;
    void reset_bytes_moved();
    // Any command; in a cluster it is routed by `args[key_index]` (no key: any node).
    // Error replies are returned as Reply::Type::error, not thrown.
    Reply run_command(const std::vector<std::string>& args, int key_index = 1);
    Reply run_command_on(const std::string& address, const std::vector<std::string>& args);

    std::string to_string() const;

    struct Impl;

  private:
    // The one-round-trip run_model (inference.cpp).
    void run_model_inline(const std::string& name, const std::vector<InputTensor>& inputs,
                          const std::vector<OutputTensor>& outputs);

    std::unique_ptr<Impl> impl_;
};

}  // namespace insitu
