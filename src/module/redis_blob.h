// A tensor blob that is a retained Redis string: the BLOB argument of AI.TENSORSET (or the string
// loaded from RDB) becomes the tensor's storage with no copy.
#pragma once

#include <cstddef>

#include "engine/tensor.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

class RedisStringBlob final : public engine::Blob {
  public:
    // Takes one reference on `str` (retains it when `retain` is true, else adopts the caller's).
    // A retained command argument is trimmed first: after a module command returns, Redis trims
    // the arguments a module retained when they have spare room (a large BLOB read straight into
    // the query buffer does), which moves their bytes and would leave data_ dangling. Trimmed
    // now, that later trim finds nothing to do. A server without TrimStringAllocation (before
    // 7.0) gets an exact-size copy instead.
    RedisStringBlob(RedisModuleCtx* ctx, RedisModuleString* str, bool retain) : str_(str) {
        if (retain) {
            if (RedisModule_TrimStringAllocation) {
                RedisModule_RetainString(ctx, str);
                RedisModule_TrimStringAllocation(str);
            } else {
                std::size_t n = 0;
                const char* p = RedisModule_StringPtrLen(str, &n);
                str_ = RedisModule_CreateString(nullptr, p, n);
            }
        }
        data_ = RedisModule_StringPtrLen(str_, &size_);
    }
    ~RedisStringBlob() override { RedisModule_FreeString(nullptr, str_); }
    RedisStringBlob(const RedisStringBlob&) = delete;
    RedisStringBlob& operator=(const RedisStringBlob&) = delete;

  private:
    RedisModuleString* str_;
};

}  // namespace insitu::module
