#include "module/types/model_type.h"

#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/run_queue.h"
#include "module/module_config.h"

namespace insitu::module {
namespace {

RedisModuleType* g_model_type = nullptr;
RedisModuleType* g_script_type = nullptr;

// insitu's own encodings (RedisAI's versions 0-4 are not read).
constexpr int k_encoding_version = 100;

void save_string(RedisModuleIO* io, const std::string& s) {
    RedisModule_SaveStringBuffer(io, s.data(), s.size());
}

std::string load_string(RedisModuleIO* io) {
    size_t len = 0;
    char* p = RedisModule_LoadStringBuffer(io, &len);
    if (!p) return {};
    std::string s(p, len);
    RedisModule_Free(p);
    return s;
}

std::string key_name(RedisModuleIO* io) {
    const RedisModuleString* k = RedisModule_GetKeyNameFromIO(io);
    if (!k) return {};
    size_t len = 0;
    const char* p = RedisModule_StringPtrLen(k, &len);
    return std::string(p, len);
}

std::vector<std::string> load_names(RedisModuleIO* io) {
    std::vector<std::string> v(RedisModule_LoadUnsigned(io) & 0xffff);
    for (auto& s : v) s = load_string(io);
    return v;
}

void save_names(RedisModuleIO* io, const std::vector<std::string>& v) {
    RedisModule_SaveUnsigned(io, v.size());
    for (const auto& s : v) save_string(io, s);
}

// ---- models ----

void* model_rdb_load(RedisModuleIO* io, int encver) {
    if (encver != k_encoding_version) {
        RedisModule_LogIOError(io, "warning", "AI__MODEL encoding version %d is not insitu's",
                               encver);
        return nullptr;
    }
    engine::ModelDef d;
    d.backend = static_cast<engine::Backend>(RedisModule_LoadUnsigned(io) & 3);
    d.device = load_string(io);
    d.tag = load_string(io);
    d.batch.batchsize = RedisModule_LoadSigned(io);
    d.batch.minbatchsize = RedisModule_LoadSigned(io);
    d.batch.minbatchtimeout = RedisModule_LoadSigned(io);
    d.inputs = load_names(io);
    d.outputs = load_names(io);
    std::string blob;
    uint64_t chunks = RedisModule_LoadUnsigned(io);
    for (uint64_t i = 0; i < chunks && !RedisModule_IsIOError(io); ++i) blob += load_string(io);
    if (RedisModule_IsIOError(io)) return nullptr;
    try {
        const auto* api = engine::backends().get_or_load(d.backend, config().backends_path);
        auto model = engine::Model::create(api, d, blob, engine::backends().settings);
        auto* v = new ModelValue{std::move(model), std::move(blob)};
        // The queue exists before the first run after a restart (RedisAI issue #890).
        engine::run_queues().ensure(v->model->queue());
        std::string key = key_name(io);
        if (!key.empty()) attach_stats(key, *v);
        return v;
    } catch (const std::exception& e) {
        RedisModule_LogIOError(io, "warning", "insitu: cannot load model: %s", e.what());
        return nullptr;
    }
}

void model_rdb_save(RedisModuleIO* io, void* value) {
    auto* v = static_cast<ModelValue*>(value);
    const auto& d = v->model->def();
    const std::string& blob = v->blob;
    RedisModule_SaveUnsigned(io, static_cast<uint64_t>(d.backend));
    save_string(io, d.device);
    save_string(io, d.tag);
    RedisModule_SaveSigned(io, d.batch.batchsize);
    RedisModule_SaveSigned(io, d.batch.minbatchsize);
    RedisModule_SaveSigned(io, d.batch.minbatchtimeout);
    save_names(io, d.inputs);
    save_names(io, d.outputs);
    auto chunk = static_cast<std::size_t>(config().model_chunk_size);
    std::size_t n = (blob.size() + chunk - 1) / chunk;
    RedisModule_SaveUnsigned(io, n);
    for (std::size_t i = 0; i < n; ++i)
        RedisModule_SaveStringBuffer(io, blob.data() + i * chunk,
                                     std::min(chunk, blob.size() - i * chunk));
}

std::vector<RedisModuleString*> strings(const std::vector<std::string>& v) {
    std::vector<RedisModuleString*> out;
    for (const auto& s : v) out.push_back(RedisModule_CreateString(nullptr, s.data(), s.size()));
    return out;
}

void emit(RedisModuleIO* aof, const char* cmd, RedisModuleString* key,
          const std::vector<std::string>& args) {
    auto rs = strings(args);
    RedisModule_EmitAOF(aof, cmd, "sv", key, rs.data(), rs.size());
    for (auto* s : rs) RedisModule_FreeString(nullptr, s);
}

void model_aof_rewrite(RedisModuleIO* aof, RedisModuleString* key, void* value) {
    auto* v = static_cast<ModelValue*>(value);
    const auto& d = v->model->def();
    const std::string& blob = v->blob;
    std::vector<std::string> a = {engine::backend_name(d.backend), d.device};
    if (!d.tag.empty()) a.insert(a.end(), {"TAG", d.tag});
    if (d.batch.batchsize > 0) {
        a.insert(a.end(), {"BATCHSIZE", std::to_string(d.batch.batchsize)});
        if (d.batch.minbatchsize > 0) {
            a.insert(a.end(), {"MINBATCHSIZE", std::to_string(d.batch.minbatchsize)});
            if (d.batch.minbatchtimeout > 0)
                a.insert(a.end(), {"MINBATCHTIMEOUT", std::to_string(d.batch.minbatchtimeout)});
        }
    }
    if (!d.inputs.empty()) {
        a.insert(a.end(), {"INPUTS", std::to_string(d.inputs.size())});
        a.insert(a.end(), d.inputs.begin(), d.inputs.end());
    }
    if (!d.outputs.empty()) {
        a.insert(a.end(), {"OUTPUTS", std::to_string(d.outputs.size())});
        a.insert(a.end(), d.outputs.begin(), d.outputs.end());
    }
    a.push_back("BLOB");
    auto chunk = static_cast<std::size_t>(config().model_chunk_size);
    for (std::size_t off = 0; off < blob.size(); off += chunk) a.push_back(blob.substr(off, chunk));
    emit(aof, "AI.MODELSTORE", key, a);
}

size_t model_mem_usage(const void* value) {
    auto* v = static_cast<const ModelValue*>(value);
    return sizeof(ModelValue) + sizeof(engine::Model) + v->blob.size();
}

void model_free(void* value) {
    auto* v = static_cast<ModelValue*>(value);
    engine::stats_registry().remove(v->model->stats);
    delete v;
}

// ---- scripts ----

void* script_rdb_load(RedisModuleIO* io, int encver) {
    if (encver != k_encoding_version) {
        RedisModule_LogIOError(io, "warning", "AI_SCRIPT encoding version %d is not insitu's",
                               encver);
        return nullptr;
    }
    engine::ScriptDef d;
    d.device = load_string(io);
    d.tag = load_string(io);
    d.source = load_string(io);
    d.entry_points = load_names(io);
    if (RedisModule_IsIOError(io)) return nullptr;
    try {
        const auto* api =
            engine::backends().get_or_load(engine::Backend::TORCH, config().backends_path);
        auto* v = new ScriptValue{engine::Script::create(api, d)};
        engine::run_queues().ensure(v->script->queue());
        std::string key = key_name(io);
        if (!key.empty()) attach_stats(key, *v);
        return v;
    } catch (const std::exception& e) {
        RedisModule_LogIOError(io, "warning", "insitu: cannot load script: %s", e.what());
        return nullptr;
    }
}

void script_rdb_save(RedisModuleIO* io, void* value) {
    const auto& d = static_cast<ScriptValue*>(value)->script->def();
    save_string(io, d.device);
    save_string(io, d.tag);
    save_string(io, d.source);
    save_names(io, d.entry_points);
}

void script_aof_rewrite(RedisModuleIO* aof, RedisModuleString* key, void* value) {
    const auto& d = static_cast<ScriptValue*>(value)->script->def();
    std::vector<std::string> a = {d.device};
    if (!d.tag.empty()) a.insert(a.end(), {"TAG", d.tag});
    if (!d.entry_points.empty()) {
        a.insert(a.end(), {"ENTRY_POINTS", std::to_string(d.entry_points.size())});
        a.insert(a.end(), d.entry_points.begin(), d.entry_points.end());
    }
    a.insert(a.end(), {"SOURCE", d.source});
    emit(aof, d.entry_points.empty() ? "AI.SCRIPTSET" : "AI.SCRIPTSTORE", key, a);
}

size_t script_mem_usage(const void* value) {
    auto* v = static_cast<const ScriptValue*>(value);
    return sizeof(ScriptValue) + sizeof(engine::Script) + v->script->def().source.size();
}

void script_free(void* value) {
    auto* v = static_cast<ScriptValue*>(value);
    engine::stats_registry().remove(v->script->stats);
    delete v;
}

template <typename V>
RedisModuleKey* open_key(RedisModuleCtx* ctx, RedisModuleString* key, bool write,
                         RedisModuleType* type, const char* empty_error, V** out) {
    *out = nullptr;
    auto* k = static_cast<RedisModuleKey*>(RedisModule_OpenKey(
        ctx, key, write ? REDISMODULE_READ | REDISMODULE_WRITE : REDISMODULE_READ));
    if (RedisModule_KeyType(k) == REDISMODULE_KEYTYPE_EMPTY) {
        if (write) return k;
        RedisModule_CloseKey(k);
        RedisModule_ReplyWithError(ctx, empty_error);
        return nullptr;
    }
    if (RedisModule_ModuleTypeGetType(k) != type) {
        RedisModule_CloseKey(k);
        RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
        return nullptr;
    }
    *out = static_cast<V*>(RedisModule_ModuleTypeGetValue(k));
    return k;
}

}  // namespace

RedisModuleType* model_type() {
    return g_model_type;
}
RedisModuleType* script_type() {
    return g_script_type;
}

int register_model_types(RedisModuleCtx* ctx) {
    RedisModuleTypeMethods tm{};
    tm.version = REDISMODULE_TYPE_METHOD_VERSION;
    tm.rdb_load = model_rdb_load;
    tm.rdb_save = model_rdb_save;
    tm.aof_rewrite = model_aof_rewrite;
    tm.mem_usage = model_mem_usage;
    tm.free = model_free;
    g_model_type = RedisModule_CreateDataType(ctx, "AI__MODEL", k_encoding_version, &tm);
    RedisModuleTypeMethods ts{};
    ts.version = REDISMODULE_TYPE_METHOD_VERSION;
    ts.rdb_load = script_rdb_load;
    ts.rdb_save = script_rdb_save;
    ts.aof_rewrite = script_aof_rewrite;
    ts.mem_usage = script_mem_usage;
    ts.free = script_free;
    g_script_type = RedisModule_CreateDataType(ctx, "AI_SCRIPT", k_encoding_version, &ts);
    return g_model_type && g_script_type ? REDISMODULE_OK : REDISMODULE_ERR;
}

RedisModuleKey* open_model_key(RedisModuleCtx* ctx, RedisModuleString* key, bool write,
                               ModelValue** out) {
    return open_key(ctx, key, write, g_model_type, "ERR model key is empty", out);
}

RedisModuleKey* open_script_key(RedisModuleCtx* ctx, RedisModuleString* key, bool write,
                                ScriptValue** out) {
    return open_key(ctx, key, write, g_script_type, "ERR script key is empty", out);
}

void attach_stats(const std::string& key, ModelValue& v) {
    const auto& d = v.model->def();
    v.model->stats = engine::stats_registry().create(key, true, engine::backend_name(d.backend),
                                                     d.device, d.tag);
}

void attach_stats(const std::string& key, ScriptValue& v) {
    const auto& d = v.script->def();
    v.script->stats = engine::stats_registry().create(key, false, "TORCH", d.device, d.tag);
}

}  // namespace insitu::module
