// How the execution commands declare their keys to Redis: ACL key patterns (including `%R~` /
// `%W~`), `ACL DRYRUN`, `COMMAND GETKEYS` and Redis Cluster routing all use what a getkeys-api
// command reports.
//
// Every key is reported, the model or script included, with one exception: in a cluster, a
// model or script key whose slot differs from that of the command's tensors is left out, so that
// Redis routes the run by its tensors (clients keep a copy of each model under a shard-local key,
// "{P}.<name>", on every shard; RedisAI reported it and made such runs CROSSSLOT). The command
// itself then checks the calling user's ACL for that key before it reads it.
#pragma once

#include <vector>

#include "engine/key_refs.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

// The getkeys-api answer: `keys` index argv + 1 (args exclude the command name).
void report_keys(RedisModuleCtx* ctx, RedisModuleString** argv,
                 const std::vector<engine::KeyRef>& keys);

// For the command itself: the keys report_keys left out must pass the calling user's ACL key
// patterns. False after replying NOPERM.
bool check_unreported_keys(RedisModuleCtx* ctx, RedisModuleString** argv,
                           const std::vector<engine::KeyRef>& keys);

// Key specs with read/write flags for the commands with one fixed key (AI.TENSORGET reads,
// AI.TENSORSET overwrites, ...), so that `%R~` / `%W~` selectors apply to them as to GET / SET.
// Redis 7.0+; older servers keep the plain (read-write) key range.
void declare_key_specs(RedisModuleCtx* ctx);

}  // namespace insitu::module
