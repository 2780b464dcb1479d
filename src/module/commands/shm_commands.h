// insitu's shared-memory tensor commands (module/shm/shm_store.h, docs/shared-memory.md):
//   AI._SHM               -> [enabled, 0|1, reason, text, pid, P, start_time, T, fd, F,
//                             inode, I, data_offset, D, size, S]: what a client on this
//                             host maps (D: where blocks start, after the tag table)
//   AI._SHMALLOC <nbytes> -> [offset, size, tag]: a block for one tensor, this client's until
//                            its AI.TENSORSET ... SHM <offset> <tag> (or its disconnection)
#pragma once

#include <memory>

#include "engine/tensor_args.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int shm_hello_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int shm_alloc_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);

// The blob of AI.TENSORSET ... SHM <offset> <tag>: the calling client's pending block, checked
// against the parsed shape. Throws engine::CommandError with the reply text.
engine::BlobPtr take_shm_blob(RedisModuleCtx* ctx, const engine::TensorSetArgs& a,
                              std::string_view offset_arg, std::string_view tag_arg);

}  // namespace insitu::module
