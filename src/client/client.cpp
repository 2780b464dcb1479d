// Client construction, tensors, keys and prefixing.
#include "client/client_impl.h"

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "client/credentials.h"
#include "client/tensor_checks.h"
#include "client/tensor_io.h"
#include "client/tls_options.h"
#include "core/address.h"
#include "core/layout.h"
#include "core/text.h"

namespace insitu {
namespace {

using client::check_data;
using client::check_dims;
using client::check_layout;
using client::check_type;
using client::Connection;
using client::LogLevel;

// The environment/option name as the user sees it (with the database suffix, if any).
using client::option_name;

std::int64_t int_option(const ConfigOptions& cfg, const std::string& name, std::int64_t fallback,
                        std::int64_t min) {
    std::int64_t v = cfg.get_integer_option_or(name, fallback);
    if (v < min || v > 1'000'000'000) {
        throw ParameterException(option_name(cfg, name) + " must be in " + std::to_string(min) +
                                 "..1000000000, got " + std::to_string(v));
    }
    return v;
}

}  // namespace

Client::Impl::Impl(const ConfigOptions& cfg, const std::string& name,
                   std::optional<bool> force_cluster)
    : logger_name(name) {
    log = std::make_unique<client::Logger>(
        name, cfg.get_string_option_or("SR_LOG_FILE", ""),
        client::parse_log_level(cfg.get_string_option_or("SR_LOG_LEVEL", "INFO")));

    const std::string ssdb_name = option_name(cfg, "SSDB");
    if (!cfg.is_configured("SSDB")) {
        throw ParameterException(ssdb_name + " must be set to the database address(es), e.g. " +
                                 ssdb_name + "=127.0.0.1:6379 or unix:///path/to/redis.sock");
    }
    std::vector<core::Address> seeds;
    try {
        seeds = core::parse_address_list(cfg.get_string_option("SSDB"));
    } catch (const std::invalid_argument& e) {
        throw ParameterException(ssdb_name + ": " + e.what());
    }
    bool cluster =
        force_cluster
            ? *force_cluster
            : core::iequals(cfg.get_string_option_or("SR_DB_TYPE", "Clustered"), "Clustered");

    using std::chrono::milliseconds;
    client::Timing t;
    t.conn_timeout = milliseconds(int_option(cfg, "SR_CONN_TIMEOUT", 100, 0) * 1000);
    t.conn_interval = milliseconds(int_option(cfg, "SR_CONN_INTERVAL", 1000, 0));
    t.cmd_timeout = milliseconds(int_option(cfg, "SR_CMD_TIMEOUT", 100, 0) * 1000);
    t.cmd_interval = milliseconds(int_option(cfg, "SR_CMD_INTERVAL", 1000, 0));
    t.socket_timeout_ms = static_cast<int>(int_option(cfg, "SR_SOCKET_TIMEOUT", 250, 1));
    // The longest a run_model request may wait in the server's run queue. The peer's code sends
    // 60000000 (its docs say one minute, its header one hour): one hour keeps stuck requests
    // bounded.
    model_timeout_ms = static_cast<int>(int_option(cfg, "SR_MODEL_TIMEOUT", 3'600'000, 1));
    thread_count = static_cast<int>(int_option(cfg, "SR_THREAD_COUNT", 4, 1));

    prefix = std::make_unique<client::KeyPrefixer>(cfg.get_string_option_or("SSKEYIN", ""),
                                                   cfg.get_string_option_or("SSKEYOUT", ""));
    client::Credentials credentials = client::resolve_credentials(cfg, seeds);
    credentials.tls = client::resolve_tls(cfg, seeds);
    for (auto& s : seeds) {  // from here on the credentials live in one place only
        s.user.clear();
        s.password.reset();
    }
    if (credentials.enabled)
        log->debug(
            [&] { return "authenticating as database user '" + credentials.user_label() + "'"; });
    // insitu's own: durable writes (docs/reliability.md).
    client::Durability durable;
    durable.replicas = static_cast<int>(int_option(cfg, "SR_DURABLE_REPLICAS", 0, 0));
    durable.timeout = milliseconds(int_option(cfg, "SR_DURABLE_TIMEOUT", 1000, 1));
    client::ReadPolicy reads;
    reads.from_replicas = int_option(cfg, "SR_READ_FROM_REPLICAS", 0, 0) != 0;
    router = std::make_unique<client::Router>(std::move(seeds), cluster, t, *log,
                                              std::move(credentials), durable, reads);
    // insitu's own: the shared-memory path to a server on this host (docs/shared-memory.md).
    client::ShmPolicy shm;
    shm.enabled = int_option(cfg, "SR_SHM", 1, 0) != 0;
    shm.min_bytes = static_cast<std::size_t>(
        int_option(cfg, "SR_SHM_MIN_BYTES", static_cast<long long>(shm.min_bytes), 1));
    router->set_shm_policy(shm);
    log->debug([&] { return "new client connected to " + router->describe(); });
}

Client::Client(const std::string& logger_name) {
    auto cfg = ConfigOptions::create_from_environment();
    impl_ = std::make_unique<Impl>(*cfg, logger_name, std::nullopt);
}

Client::Client(const ConfigOptions* cfg, const std::string& logger_name) {
    if (cfg == nullptr) throw ParameterException("Client: ConfigOptions must not be null");
    impl_ = std::make_unique<Impl>(*cfg, logger_name, std::nullopt);
}

Client::Client(bool cluster, const std::string& logger_name) {
    auto cfg = ConfigOptions::create_from_environment();
    impl_ = std::make_unique<Impl>(*cfg, logger_name, cluster);
}

Client::~Client() = default;

void Client::log_data(LogLevel level, const std::string& data) const {
    impl_->log->log(level, data);
}

void Client::log_warning(LogLevel level, const std::string& data) const {
    impl_->log->log(level, "WARNING: " + data);
}

void Client::log_error(LogLevel level, const std::string& data) const {
    impl_->log->log(level, "ERROR: " + data);
}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

// ---- tensors ------------------------------------------------------------------------------------

namespace client {

void prepare_put(PreparedPut& out, std::string key, const void* data,
                 const std::vector<std::size_t>& dims, TensorType type, MemoryLayout layout,
                 const char* call) {
    check_type(type, call);
    check_layout(layout, call);
    check_data(data, call);
    const std::size_t bytes = check_dims(dims, type, call);
    const std::size_t elem = element_size(type);
    // Contiguous data goes out from the caller's memory; other layouts need one row-major copy.
    std::string_view blob(static_cast<const char*>(data), bytes);
    if (layout != MemoryLayout::Contiguous) {
        out.staging.reset(new char[bytes]);
        if (layout == MemoryLayout::Nested)
            core::gather_nested(data, out.staging.get(), dims, elem);
        else
            core::fortran_to_c(data, out.staging.get(), dims, elem);
        blob = std::string_view(out.staging.get(), bytes);
    }
    out.key = std::move(key);
    out.type = type;
    out.dims = dims;
    out.blob = blob;
    build_tensorset(out.command, out.key, type, dims, blob);
}

void finish_unpack(Connection& c, const TensorMeta& m, const std::string& name,
                   const std::string& key, void* data, const std::vector<std::size_t>& dims,
                   TensorType type, MemoryLayout layout, const char* call) {
    const std::string what(call);
    const std::size_t bytes = check_dims(dims, type, call);
    // Nothing is written into the caller's buffer until dtype and shape have been checked.
    if (m.type != type) {
        discard_blob(c, m.blob_size);
        throw TypeException(what + ": tensor " + key_label(name, key) + " has dtype " +
                            m.type_name + ", but the buffer is " + std::string(wire_name(type)));
    }
    bool shape_ok = layout == MemoryLayout::Nested
                        ? m.dims == dims
                        : core::element_count(m.dims) == core::element_count(dims);
    if (!shape_ok) {
        discard_blob(c, m.blob_size);
        throw ParameterException(what + ": tensor " + key_label(name, key) + " has shape " +
                                 dims_text(m.dims) + ", but the buffer has shape " +
                                 dims_text(dims));
    }
    if (m.blob_size != bytes) {
        discard_blob(c, m.blob_size);
        throw DatabaseException(what + ": tensor " + key_label(name, key) + " has a blob of " +
                                std::to_string(m.blob_size) + " bytes, expected " +
                                std::to_string(bytes));
    }
    if (layout == MemoryLayout::Contiguous) {
        read_blob(c, data, bytes);  // straight from the socket into the caller's buffer
        return;
    }
    std::unique_ptr<char[]> tmp(new char[bytes]);
    read_blob(c, tmp.get(), bytes);
    if (layout == MemoryLayout::Nested)
        core::scatter_nested(tmp.get(), data, dims, element_size(type));
    else
        core::c_to_fortran(tmp.get(), data, dims, element_size(type));
}

}  // namespace client

void Client::put_tensor(const std::string& name, const void* data,
                        const std::vector<std::size_t>& dims, TensorType type,
                        MemoryLayout layout) {
    client::PreparedPut put;
    client::prepare_put(put, impl_->prefix->put_tensor_key(name), data, dims, type, layout,
                        "put_tensor");
    const std::string& key = put.key;
    impl_->log->debug([&] {
        return "put_tensor " + key + " " + std::string(wire_name(type)) + client::dims_text(dims);
    });
    impl_->router->on_key_write(
        key,
        [&](Connection& c) {
            Reply r;
            // Through the server's shared memory when it is on this host; else the socket.
            if (!client::shm_put(c, key, put.type, put.dims, put.blob, r)) {
                c.send(put.command);
                r = c.read_reply();
            }
            if (r.is_error()) {
                client::check_retryable_error(r.str);
                throw DatabaseException("put_tensor " + client::key_label(name, key) +
                                        " failed: " + r.str);
            }
        },
        "put_tensor " + client::key_label(name, key));
}

Client::Impl::OwnedTensor& Client::Impl::fetch_tensor(const std::string& name, MemoryLayout layout,
                                                      TensorType& type) {
    check_layout(layout, "get_tensor");
    const std::string key = prefix->get_tensor_key(name);
    log->debug([&] { return "get_tensor " + key; });
    std::unique_ptr<OwnedTensor> out;
    router->on_key_read(key, [&](Connection& c) {
        client::TensorMeta m = client::begin_tensorget(c, key, name, "get_tensor");
        const std::size_t elem = element_size(m.type);
        if (elem == 0) {
            client::discard_blob(c, m.blob_size);
            throw TypeException("get_tensor: tensor " + client::key_label(name, key) +
                                " has dtype " + m.type_name +
                                ", which get_tensor does not support");
        }
        if (core::element_count(m.dims) * elem != m.blob_size) {
            client::discard_blob(c, m.blob_size);
            throw DatabaseException("get_tensor: tensor " + client::key_label(name, key) +
                                    " has a blob of " + std::to_string(m.blob_size) +
                                    " bytes for shape " + client::dims_text(m.dims));
        }
        auto t = std::make_unique<OwnedTensor>();
        t->dims = m.dims;
        // Plain new[]: no zero-filling of memory about to be overwritten.
        t->data.reset(new std::byte[std::max<std::size_t>(m.blob_size, 1)]);
        if (layout == MemoryLayout::FortranContiguous) {
            std::unique_ptr<char[]> tmp(new char[std::max<std::size_t>(m.blob_size, 1)]);
            client::read_blob(c, tmp.get(), m.blob_size);
            core::c_to_fortran(tmp.get(), t->data.get(), m.dims, elem);
        } else {
            client::read_blob(c, t->data.get(), m.blob_size);
        }
        type = m.type;
        out = std::move(t);
    });
    out->view = out->data.get();
    if (layout == MemoryLayout::Nested)
        out->view =
            core::build_nested_view(out->data.get(), out->dims, element_size(type), out->nested);
    owned.push_back(std::move(out));
    return *owned.back();
}

void Client::get_tensor(const std::string& name, void*& data, std::vector<std::size_t>& dims,
                        TensorType& type, MemoryLayout layout) {
    TensorType t = TensorType::Invalid;
    Impl::OwnedTensor& o = impl_->fetch_tensor(name, layout, t);
    data = o.view;
    dims = o.dims;
    type = t;
}

void Client::get_tensor(const std::string& name, void*& data, std::size_t*& dims,
                        std::size_t& n_dims, TensorType& type, MemoryLayout layout) {
    TensorType t = TensorType::Invalid;
    Impl::OwnedTensor& o = impl_->fetch_tensor(name, layout, t);
    data = o.view;
    dims = o.dims.data();
    n_dims = o.dims.size();
    type = t;
}

void Client::unpack_tensor(const std::string& name, void* data,
                           const std::vector<std::size_t>& dims, TensorType type,
                           MemoryLayout layout) {
    check_type(type, "unpack_tensor");
    check_layout(layout, "unpack_tensor");
    check_data(data, "unpack_tensor");
    check_dims(dims, type, "unpack_tensor");
    const std::string key = impl_->prefix->get_tensor_key(name);
    impl_->log->debug([&] { return "unpack_tensor " + key; });
    impl_->router->on_key_read(key, [&](Connection& c) {
        client::TensorMeta m = client::begin_tensorget(c, key, name, "unpack_tensor");
        client::finish_unpack(c, m, name, key, data, dims, type, layout, "unpack_tensor");
    });
}

namespace {

// Integer reply of a key command, or an exception naming the key.
long long integer_reply(const Reply& r, const std::string& what, const std::string& label) {
    if (r.is_error()) client::throw_reply_error(r.str, label, what);
    if (r.type != Reply::Type::integer)
        throw DatabaseException(what + " " + label + ": unexpected reply " + to_display(r));
    return r.integer;
}

}  // namespace

void Client::rename_tensor(const std::string& old_name, const std::string& new_name) {
    const std::string src = impl_->prefix->get_tensor_key(old_name);
    const std::string dst = impl_->prefix->put_tensor_key(new_name);
    const std::string label = client::key_label(old_name, src);
    impl_->log->debug([&] { return "rename_tensor " + src + " -> " + dst; });
    auto& router = *impl_->router;
    if (router.same_slot(src, dst)) {
        Reply r = router.command_on_key_write(src, {"RENAME", src, dst}, "rename_tensor");
        if (r.is_error()) client::throw_reply_error(r.str, label, "rename_tensor");
        return;
    }
    copy_tensor(old_name, new_name);
    router.command_on_key_write(src, {"UNLINK", src}, "rename_tensor");
}

void Client::copy_tensor(const std::string& src_name, const std::string& dest_name) {
    const std::string src = impl_->prefix->get_tensor_key(src_name);
    const std::string dst = impl_->prefix->put_tensor_key(dest_name);
    const std::string label = client::key_label(src_name, src);
    impl_->log->debug([&] { return "copy_tensor " + src + " -> " + dst; });
    auto& router = *impl_->router;
    if (src == dst) {  // COPY refuses this; copying a key onto itself only needs it to exist
        if (integer_reply(router.command_on_key(src, {"EXISTS", src}), "copy_tensor", label) == 0)
            throw KeyException("copy_tensor: tensor " + label + " does not exist");
        return;
    }
    if (router.same_slot(src, dst)) {
        Reply r = router.command_on_key_write(src, {"COPY", src, dst, "REPLACE"}, "copy_tensor");
        if (integer_reply(r, "copy_tensor", label) == 0)
            throw KeyException("copy_tensor: tensor " + label + " does not exist");
        return;
    }
    // Different slots (so possibly different shards): move the serialized value via the client.
    Reply dump = router.command_on_key(src, {"DUMP", src});
    if (dump.is_error()) client::throw_reply_error(dump.str, label, "copy_tensor");
    if (dump.type == Reply::Type::nil)
        throw KeyException("copy_tensor: tensor " + label + " does not exist");
    Reply r =
        router.command_on_key_write(dst, {"RESTORE", dst, "0", dump.str, "REPLACE"}, "copy_tensor");
    if (r.is_error())
        throw DatabaseException("copy_tensor: RESTORE of '" + dst + "' failed: " + r.str);
}

void Client::delete_tensor(const std::string& name) {
    const std::string key = impl_->prefix->get_tensor_key(name);
    impl_->log->debug([&] { return "delete_tensor " + key; });
    integer_reply(impl_->router->command_on_key_write(key, {"UNLINK", key}, "delete_tensor"),
                  "delete_tensor", client::key_label(name, key));
}

bool Client::tensor_exists(const std::string& name) {
    const std::string key = impl_->prefix->get_tensor_key(name);
    return integer_reply(impl_->router->command_on_key_read(key, {"EXISTS", key}), "tensor_exists",
                         client::key_label(name, key)) > 0;
}

bool Client::poll_tensor(const std::string& name, int poll_frequency_ms, int num_tries) {
    // EXISTS, as tensor_exists asks: both paths answer alike for any key.
    return impl_->wait_until(impl_->prefix->get_tensor_key(name), {"EXISTS"}, poll_frequency_ms,
                             num_tries, [&] { return tensor_exists(name); });
}

bool Client::key_exists(const std::string& key) {
    return integer_reply(impl_->router->command_on_key_read(key, {"EXISTS", key}), "key_exists",
                         "'" + key + "'") > 0;
}

bool Client::poll_key(const std::string& key, int poll_frequency_ms, int num_tries) {
    return impl_->wait_until(key, {"EXISTS"}, poll_frequency_ms, num_tries,
                             [&] { return key_exists(key); });
}

// ---- prefixing ----------------------------------------------------------------------------------

void Client::set_data_source(std::string source_id) {
    impl_->prefix->set_data_source(source_id);
}
void Client::use_tensor_ensemble_prefix(bool use) {
    impl_->prefix->use_tensor = use;
}
void Client::use_dataset_ensemble_prefix(bool use) {
    impl_->prefix->use_dataset = use;
}
void Client::use_model_ensemble_prefix(bool use) {
    impl_->prefix->use_model = use;
}
void Client::use_list_ensemble_prefix(bool use) {
    impl_->prefix->use_list = use;
}

// ---- misc ---------------------------------------------------------------------------------------

bool Client::is_cluster() const {
    return impl_->router->is_cluster();
}

std::vector<std::string> Client::node_addresses() const {
    return impl_->router->node_addresses();
}

std::string Client::to_string() const {
    std::string out = "insitu::Client '" + impl_->logger_name + "': " + impl_->router->describe();
    const auto& p = *impl_->prefix;
    if (!p.sources().empty()) out += "; data source '" + p.data_source() + "'";
    if (!p.output_prefix().empty()) out += "; output prefix '" + p.output_prefix() + "'";
    return out;
}

}  // namespace insitu
