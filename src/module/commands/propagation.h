// How a tensor the module stored itself (a run's output, an arena put) reaches replicas and the
// AOF: as AI.TENSORSET key dtype dims BLOB bytes, built only when something consumes the
// replication stream. The write is counted as a change (`server.dirty`: the `save` rules of
// RDB snapshots and INFO's rdb_changes_since_last_save go by it) either way.
#pragma once

#include "engine/tensor.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

// True when the AOF is on or a replication backlog exists (replicas, or one that may attach).
// Answers from a cache the server's events keep, else asks the server (INFO, ~20 us) when
// `may_ask`, else says true (replicate).
bool replication_stream_consumed(RedisModuleCtx* ctx, bool may_ask);

void propagate_tensor_write(RedisModuleCtx* ctx, RedisModuleString* key, const engine::Tensor& t);

}  // namespace insitu::module
