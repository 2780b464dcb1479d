#include "module/types/tensor_type.h"

#include <string>
#include <vector>

#include "engine/errors.h"
#include "module/redis_blob.h"

namespace insitu::module {
namespace {

RedisModuleType* g_tensor_type = nullptr;

// insitu's own RDB encoding. RedisAI used versions 0-4 of the same type name; those payloads are
// refused with a log line rather than misread.
constexpr int k_encoding_version = 100;

void* tensor_rdb_load(RedisModuleIO* io, int encver) {
    if (encver != k_encoding_version) {
        RedisModule_LogIOError(io, "warning",
                               "AI_TENSOR encoding version %d is not insitu's (%d); cannot load",
                               encver, k_encoding_version);
        return nullptr;
    }
    auto dtype = static_cast<TensorType>(RedisModule_LoadUnsigned(io));
    uint64_t rank = RedisModule_LoadUnsigned(io);
    if (RedisModule_IsIOError(io) || rank > 64 ||
        (element_size(dtype) == 0 && dtype != TensorType::String))
        return nullptr;
    auto t = std::make_unique<engine::Tensor>();
    t->dtype = dtype;
    for (uint64_t i = 0; i < rank; ++i)
        t->dims.push_back(static_cast<std::int64_t>(RedisModule_LoadUnsigned(io)));
    RedisModuleString* s = RedisModule_LoadString(io);
    if (RedisModule_IsIOError(io) || !s) {
        if (s) RedisModule_FreeString(nullptr, s);
        return nullptr;
    }
    t->blob = std::make_shared<RedisStringBlob>(nullptr, s, /*retain=*/false);
    return t.release();
}

void tensor_rdb_save(RedisModuleIO* io, void* value) {
    auto* t = static_cast<engine::Tensor*>(value);
    RedisModule_SaveUnsigned(io, static_cast<uint64_t>(t->dtype));
    RedisModule_SaveUnsigned(io, t->dims.size());
    for (auto d : t->dims) RedisModule_SaveUnsigned(io, static_cast<uint64_t>(d));
    RedisModule_SaveStringBuffer(io, t->data().data(), t->data().size());
}

void tensor_aof_rewrite(RedisModuleIO* aof, RedisModuleString* key, void* value) {
    auto* t = static_cast<engine::Tensor*>(value);
    std::vector<RedisModuleString*> dims;
    for (auto d : t->dims) dims.push_back(RedisModule_CreateStringFromLongLong(nullptr, d));
    std::string dtype(wire_name(t->dtype));
    RedisModule_EmitAOF(aof, "AI.TENSORSET", "scvcb", key, dtype.c_str(), dims.data(), dims.size(),
                        "BLOB", t->data().data(), t->data().size());
    for (auto* s : dims) RedisModule_FreeString(nullptr, s);
}

size_t tensor_mem_usage(const void* value) {
    auto* t = static_cast<const engine::Tensor*>(value);
    return sizeof(engine::Tensor) + t->dims.capacity() * sizeof(std::int64_t) + t->data().size();
}

void tensor_digest(RedisModuleDigest* md, void* value) {
    auto* t = static_cast<engine::Tensor*>(value);
    RedisModule_DigestAddLongLong(md, static_cast<long long>(t->dtype));
    for (auto d : t->dims) RedisModule_DigestAddLongLong(md, d);
    RedisModule_DigestAddStringBuffer(md, t->data().data(), t->data().size());
    RedisModule_DigestEndSequence(md);
}

void tensor_free(void* value) {
    delete static_cast<engine::Tensor*>(value);
}

// COPY shares the immutable blob: no bytes are duplicated.
void* tensor_copy(RedisModuleString*, RedisModuleString*, const void* value) {
    return new engine::Tensor(*static_cast<const engine::Tensor*>(value));
}

}  // namespace

void replicate_tensorset(RedisModuleCtx* ctx, RedisModuleString* key, const engine::Tensor& t) {
    std::vector<RedisModuleString*> dims;
    for (auto d : t.dims) dims.push_back(RedisModule_CreateStringFromLongLong(nullptr, d));
    std::string dtype(wire_name(t.dtype));
    RedisModule_Replicate(ctx, "AI.TENSORSET", "scvcb", key, dtype.c_str(), dims.data(),
                          dims.size(), "BLOB", t.data().data(), t.data().size());
    for (auto* s : dims) RedisModule_FreeString(nullptr, s);
}

RedisModuleType* tensor_type() {
    return g_tensor_type;
}

int register_tensor_type(RedisModuleCtx* ctx) {
    RedisModuleTypeMethods tm{};
    tm.version = REDISMODULE_TYPE_METHOD_VERSION;
    tm.rdb_load = tensor_rdb_load;
    tm.rdb_save = tensor_rdb_save;
    tm.aof_rewrite = tensor_aof_rewrite;
    tm.mem_usage = tensor_mem_usage;
    tm.digest = tensor_digest;
    tm.free = tensor_free;
    tm.copy = tensor_copy;
    g_tensor_type = RedisModule_CreateDataType(ctx, "AI_TENSOR", k_encoding_version, &tm);
    return g_tensor_type ? REDISMODULE_OK : REDISMODULE_ERR;
}

RedisModuleKey* open_tensor_key(RedisModuleCtx* ctx, RedisModuleString* key, int mode,
                                bool must_exist, engine::Tensor** out) {
    *out = nullptr;
    auto* k = static_cast<RedisModuleKey*>(RedisModule_OpenKey(ctx, key, mode));
    int type = RedisModule_KeyType(k);
    if (type == REDISMODULE_KEYTYPE_EMPTY) {
        if (must_exist) {
            RedisModule_CloseKey(k);
            RedisModule_ReplyWithError(ctx, engine::msg::empty_tensor_key);
            return nullptr;
        }
        return k;
    }
    if (RedisModule_ModuleTypeGetType(k) != g_tensor_type) {
        RedisModule_CloseKey(k);
        RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
        return nullptr;
    }
    *out = static_cast<engine::Tensor*>(RedisModule_ModuleTypeGetValue(k));
    return k;
}

}  // namespace insitu::module
