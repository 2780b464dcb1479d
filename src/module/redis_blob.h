// A tensor blob that is a retained Redis string: the BLOB argument of AI.TENSORSET (or the string
// loaded from RDB) becomes the tensor's storage with no copy.
#pragma once

#include "engine/tensor.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

class RedisStringBlob final : public engine::Blob {
public:
    // Takes one reference on `str` (retains it when `retain` is true, else adopts the caller's).
    RedisStringBlob(RedisModuleCtx* ctx, RedisModuleString* str, bool retain) : str_(str) {
        if (retain) RedisModule_RetainString(ctx, str);
        data_ = RedisModule_StringPtrLen(str, &size_);
    }
    ~RedisStringBlob() override { RedisModule_FreeString(nullptr, str_); }
    RedisStringBlob(const RedisStringBlob&) = delete;
    RedisStringBlob& operator=(const RedisStringBlob&) = delete;

private:
    RedisModuleString* str_;
};

}  // namespace insitu::module
