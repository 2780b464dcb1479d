// Models: store (chunked, on every shard of a cluster), get, delete, exists, multi-GPU copies.
#include "client/client_impl.h"

#include <fstream>
#include <sstream>

#include "client/connection.h"
#include "client/model_checks.h"
#include "client/server_errors.h"
#include "core/hash_slot.h"
#include "core/shard_prefix.h"
#include "core/text.h"
#include "resp/writer.h"

namespace insitu {
namespace {

using client::Connection;
using client::LogLevel;

// What the server answers when it has no MODEL_CHUNK_SIZE to tell (RedisAI's default).
constexpr std::size_t k_default_chunk_size = 511u * 1024 * 1024;

struct ModelSpec {
    std::string backend, device, tag;
    int batch_size = 0, min_batch_size = 0, min_batch_timeout = 0;
    std::vector<std::string> inputs, outputs;
};

void build_modelstore(resp::CommandWriter& w, const std::string& key, const ModelSpec& m,
                      std::string_view blob, std::size_t chunk) {
    std::vector<std::string_view> args{"AI.MODELSTORE", key, m.backend, m.device};
    std::vector<std::string> numbers;
    numbers.reserve(8);
    auto number = [&](long long v) -> std::string_view {
        numbers.push_back(std::to_string(v));
        return numbers.back();
    };
    if (!m.tag.empty()) {
        args.push_back("TAG");
        args.push_back(m.tag);
    }
    if (m.batch_size > 0) {
        args.push_back("BATCHSIZE");
        args.push_back(number(m.batch_size));
        if (m.min_batch_size > 0) {
            args.push_back("MINBATCHSIZE");
            args.push_back(number(m.min_batch_size));
            if (m.min_batch_timeout > 0) {
                args.push_back("MINBATCHTIMEOUT");
                args.push_back(number(m.min_batch_timeout));
            }
        }
    }
    if (!m.inputs.empty()) {
        args.push_back("INPUTS");
        args.push_back(number(static_cast<long long>(m.inputs.size())));
        for (const auto& i : m.inputs) args.push_back(i);
    }
    if (!m.outputs.empty()) {
        args.push_back("OUTPUTS");
        args.push_back(number(static_cast<long long>(m.outputs.size())));
        for (const auto& o : m.outputs) args.push_back(o);
    }
    args.push_back("BLOB");
    // Chunks reference the caller's blob: nothing is copied on the way to the socket.
    for (std::size_t off = 0; off < blob.size(); off += chunk)
        args.push_back(blob.substr(off, chunk));
    w.begin(args.size());
    for (auto a : args) w.add(a);
}

std::string gpu_key(const std::string& name, int gpu) {
    return name + ".GPU:" + std::to_string(gpu);
}

}  // namespace

// ---- cluster placement ----------------------------------------------------------------------

const std::string& Client::Impl::prefix_for_slot(int first_slot) {
    auto it = shard_prefixes.find(first_slot);
    if (it == shard_prefixes.end())
        it = shard_prefixes.emplace(first_slot, core::shard_prefix(first_slot)).first;
    return it->second;
}

std::vector<std::string> Client::Impl::every_shard_key(const std::string& key) {
    if (!router->is_cluster()) return {key};
    std::vector<std::string> out;
    for (const auto& s : router->shards())
        out.push_back(core::shard_prefixed_key(prefix_for_slot(s.first_slot), key));
    return out;
}

std::string Client::Impl::first_shard_key(const std::string& key) {
    if (!router->is_cluster()) return key;
    auto shards = router->shards();
    if (shards.empty()) throw DatabaseException("the cluster has no shard serving slots");
    return core::shard_prefixed_key(prefix_for_slot(shards.front().first_slot), key);
}

std::string Client::shard_key(const std::string& name, int rank) const {
    if (rank < 0) throw ParameterException("shard_key: rank must not be negative");
    if (!impl_->router->is_cluster()) return name;
    auto shards = impl_->router->shards();
    if (shards.empty()) throw DatabaseException("the cluster has no shard serving slots");
    const auto& s = shards[static_cast<std::size_t>(rank) % shards.size()];
    return core::shard_prefixed_key(impl_->prefix_for_slot(s.first_slot), name);
}

// ---- models -----------------------------------------------------------------------------------

namespace {

std::size_t chunk_size_of(Client::Impl& impl) {
    if (impl.model_chunk_size) return *impl.model_chunk_size;
    std::size_t size = k_default_chunk_size;
    Reply r;
    try {
        r = impl.router->command_on_any({"AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"});
    } catch (const client::AuthError& e) {
        // An ACL user without AI.CONFIG GET may still store models: the default size will do.
        impl.log->warning(std::string(e.what()) + "; sending models in chunks of " +
                          std::to_string(size) + " bytes");
        impl.model_chunk_size = size;
        return size;
    }
    if (r.type == Reply::Type::integer && r.integer > 0)
        size = static_cast<std::size_t>(r.integer);
    else
        impl.log->warning("AI.CONFIG GET MODEL_CHUNK_SIZE answered " + to_display(r) +
                          "; sending models in chunks of " + std::to_string(size) + " bytes");
    impl.model_chunk_size = size;
    return size;
}

void store_model(Client::Impl& impl, const std::string& call, const std::string& name,
                 const std::string& key, const ModelSpec& spec, std::string_view blob) {
    const std::size_t chunk = chunk_size_of(impl);
    impl.log->debug([&] {
        return call + " " + core::printable_key(key) + " " + spec.backend + " " + spec.device +
               " (" + std::to_string(blob.size()) + " bytes)";
    });
    for (const std::string& k : impl.every_shard_key(key)) {
        resp::CommandWriter w;
        build_modelstore(w, k, spec, blob, chunk);
        impl.router->on_key_write(
            k,
            [&](Connection& c) {
                c.send(w);
                Reply r = c.read_reply();
                if (!r.is_error()) return;
                client::check_retryable_error(r.str);
                throw DatabaseException(call + " '" + name + "' (key '" + core::printable_key(k) +
                                        "') failed: " + r.str);
            },
            call + " '" + name + "'");
    }
}

std::string read_file(const std::string& path, const char* call) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ParameterException(std::string(call) + ": cannot open '" + path + "'");
    std::ostringstream s;
    s << f.rdbuf();
    if (!f.good() && !f.eof())
        throw ParameterException(std::string(call) + ": cannot read '" + path + "'");
    return s.str();
}

ModelSpec make_spec(const char* call, const std::string& name, std::string_view model,
                    const std::string& backend, const std::string& device, int batch_size,
                    int min_batch_size, int min_batch_timeout, const std::string& tag,
                    const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                    const client::Logger& log) {
    client::check_name(name, call);
    if (model.empty()) throw ParameterException(std::string(call) + ": the model is empty");
    ModelSpec m;
    m.backend = client::check_backend(backend, call);
    client::check_device(device, call);
    m.device = device;
    client::check_batching(batch_size, min_batch_size, min_batch_timeout, call, log);
    client::check_model_io(m.backend, inputs, outputs, call);
    m.tag = tag;
    m.batch_size = batch_size;
    m.min_batch_size = min_batch_size;
    m.min_batch_timeout = min_batch_timeout;
    m.inputs = inputs;
    m.outputs = outputs;
    return m;
}

}  // namespace

void Client::set_model(const std::string& name, std::string_view model, const std::string& backend,
                       const std::string& device, int batch_size, int min_batch_size,
                       int min_batch_timeout, const std::string& tag,
                       const std::vector<std::string>& inputs,
                       const std::vector<std::string>& outputs) {
    ModelSpec m = make_spec("set_model", name, model, backend, device, batch_size, min_batch_size,
                            min_batch_timeout, tag, inputs, outputs, *impl_->log);
    store_model(*impl_, "set_model", name, impl_->prefix->put_model_key(name), m, model);
}

void Client::set_model_from_file(const std::string& name, const std::string& model_file,
                                 const std::string& backend, const std::string& device,
                                 int batch_size, int min_batch_size, int min_batch_timeout,
                                 const std::string& tag, const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs) {
    if (model_file.empty()) throw ParameterException("set_model_from_file: the file name is empty");
    std::string blob = read_file(model_file, "set_model_from_file");
    set_model(name, blob, backend, device, batch_size, min_batch_size, min_batch_timeout, tag,
              inputs, outputs);
}

void Client::set_model_multigpu(const std::string& name, std::string_view model,
                                const std::string& backend, int first_gpu, int num_gpus,
                                int batch_size, int min_batch_size, int min_batch_timeout,
                                const std::string& tag, const std::vector<std::string>& inputs,
                                const std::vector<std::string>& outputs) {
    client::check_gpus(first_gpu, num_gpus, "set_model_multigpu");
    ModelSpec m = make_spec("set_model_multigpu", name, model, backend, "GPU", batch_size,
                            min_batch_size, min_batch_timeout, tag, inputs, outputs, *impl_->log);
    const std::string key = impl_->prefix->put_model_key(name);
    // Every GPU of the range (the peer stops at num_gpus, missing GPUs when first_gpu > 0).
    for (int gpu = first_gpu; gpu < first_gpu + num_gpus; ++gpu) {
        m.device = "GPU:" + std::to_string(gpu);
        store_model(*impl_, "set_model_multigpu", name, gpu_key(key, gpu), m, model);
    }
    m.device = "GPU";
    store_model(*impl_, "set_model_multigpu", name, key, m, model);
}

void Client::set_model_from_file_multigpu(const std::string& name, const std::string& model_file,
                                          const std::string& backend, int first_gpu, int num_gpus,
                                          int batch_size, int min_batch_size, int min_batch_timeout,
                                          const std::string& tag,
                                          const std::vector<std::string>& inputs,
                                          const std::vector<std::string>& outputs) {
    if (model_file.empty())
        throw ParameterException("set_model_from_file_multigpu: the file name is empty");
    std::string blob = read_file(model_file, "set_model_from_file_multigpu");
    set_model_multigpu(name, blob, backend, first_gpu, num_gpus, batch_size, min_batch_size,
                       min_batch_timeout, tag, inputs, outputs);
}

std::string_view Client::get_model(const std::string& name) {
    client::check_name(name, "get_model");
    const std::string key = impl_->first_shard_key(impl_->prefix->get_model_key(name));
    Reply r = impl_->router->command_on_key(key, {"AI.MODELGET", key, "BLOB"});
    if (r.is_error()) {
        if (client::classify_error(r.str) == client::ServerError::missing_key)
            throw KeyException("get_model: model '" + name + "' does not exist");
        throw DatabaseException("get_model '" + name + "' failed: " + r.str);
    }
    auto blob = std::make_unique<std::string>();
    if (r.type == Reply::Type::bulk) {
        *blob = std::move(r.str);
    } else if (r.type == Reply::Type::array) {
        // Models of at least MODEL_CHUNK_SIZE bytes come back in chunks.
        for (const Reply& chunk : r.elements) {
            if (chunk.type != Reply::Type::bulk)
                throw DatabaseException("get_model '" + name + "': unexpected chunk " +
                                        to_display(chunk));
            *blob += chunk.str;
        }
    } else {
        throw DatabaseException("get_model '" + name + "': unexpected reply " + to_display(r));
    }
    impl_->owned_blobs.push_back(std::move(blob));
    return *impl_->owned_blobs.back();
}

void Client::Impl::delete_on_every_shard(const char* call, const char* command,
                                         const std::string& name, const std::string& key) {
    // Every shard is tried, so that copies left by a store that failed half-way go too; the key
    // counts as missing only when no shard had it.
    std::size_t missing = 0;
    std::string failure;
    const auto keys = every_shard_key(key);
    for (const std::string& k : keys) {
        Reply r = router->command_on_key_write(k, {command, k}, call);
        if (!r.is_error()) continue;
        if (client::classify_error(r.str) == client::ServerError::missing_key)
            ++missing;
        else if (failure.empty())
            failure = r.str;
    }
    if (!failure.empty())
        throw DatabaseException(std::string(call) + " '" + name + "' failed: " + failure);
    if (missing == keys.size())
        throw KeyException(std::string(call) + ": '" + name + "' does not exist");
}

void Client::delete_model(const std::string& name) {
    client::check_name(name, "delete_model");
    impl_->delete_on_every_shard("delete_model", "AI.MODELDEL", name,
                                 impl_->prefix->get_model_key(name));
}

void Client::delete_model_multigpu(const std::string& name, int first_gpu, int num_gpus) {
    client::check_name(name, "delete_model_multigpu");
    client::check_gpus(first_gpu, num_gpus, "delete_model_multigpu");
    const std::string key = impl_->prefix->get_model_key(name);
    for (int gpu = first_gpu; gpu < first_gpu + num_gpus; ++gpu)
        impl_->delete_on_every_shard("delete_model_multigpu", "AI.MODELDEL", gpu_key(name, gpu),
                                     gpu_key(key, gpu));
    impl_->delete_on_every_shard("delete_model_multigpu", "AI.MODELDEL", name, key);
}

bool Client::model_exists(const std::string& name) {
    const std::string key = impl_->first_shard_key(impl_->prefix->get_model_key(name));
    Reply r = impl_->router->command_on_key(key, {"EXISTS", key});
    if (r.type != Reply::Type::integer)
        throw DatabaseException("model_exists '" + name + "' failed: " + to_display(r));
    return r.integer > 0;
}

bool Client::poll_model(const std::string& name, int poll_frequency_ms, int num_tries) {
    return impl_->wait_until(impl_->first_shard_key(impl_->prefix->get_model_key(name)), {"EXISTS"},
                             poll_frequency_ms, num_tries, [&] { return model_exists(name); });
}

void Client::set_model_chunk_size(int chunk_size) {
    if (chunk_size <= 0)
        throw ParameterException("set_model_chunk_size: the chunk size must be positive, got " +
                                 std::to_string(chunk_size));
    const std::string n = std::to_string(chunk_size);
    for (const std::string& address : impl_->router->node_addresses()) {
        Reply r = impl_->router->command_on_node(address, {"AI.CONFIG", "MODEL_CHUNK_SIZE", n});
        if (r.is_error())
            throw DatabaseException("set_model_chunk_size on " + address + " failed: " + r.str);
    }
    impl_->model_chunk_size = static_cast<std::size_t>(chunk_size);
}

}  // namespace insitu
