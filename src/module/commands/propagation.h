// How a tensor the module stored itself (a run's output, an arena put) reaches replicas and the
// AOF: as AI.TENSORSET key dtype dims BLOB bytes, built only when something consumes the
// replication stream. The write is counted as a change (`server.dirty`: the `save` rules of
// RDB snapshots and INFO's rdb_changes_since_last_save go by it) either way.
// Whether anything consumes the stream (the AOF is on, or a replication backlog exists) is
// answered from a cache the server's events keep (module/shm/shm_store.h), else by asking the
// server (INFO, ~20 us).
#pragma once

#include "engine/tensor.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

void propagate_tensor_write(RedisModuleCtx* ctx, RedisModuleString* key, const engine::Tensor& t);

}  // namespace insitu::module
