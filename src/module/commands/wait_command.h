// AI._WAIT (an insitu extension, not in RedisAI): blocks the client until a condition on one key
// holds, woken by the keyspace event of the write itself, so the client's poll_* calls need not
// sleep between tries.
//
//   AI._WAIT <key> EXISTS|TENSOR|MODEL|DATASET <timeout_ms>
//   AI._WAIT <key> LLEN_EQ|LLEN_GTE|LLEN_LTE <n> <timeout_ms>
//
// Replies :1 as soon as the condition holds (at once when it already does), :0 when timeout_ms
// passed without it; WRONGTYPE when the key holds a value the condition cannot look at (a list
// condition on a hash, ...), as LLEN or HEXISTS would. DATASET: the key is a hash with the field
// ".COMPLETE" (a dataset's meta key once the dataset is complete). Inside MULTI or Lua it does
// not block: it replies the condition's current value.
#pragma once

#include <string>

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int wait_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);

// Disabled by the load argument `WAIT OFF` (the command is then not registered).
void set_wait_enabled(bool enabled);
bool wait_enabled();
// Checks that the server has every call AI._WAIT needs, else remembers which it lacks (AI._WAIT
// then replies an error naming them, and clients poll). The keyspace event subscription itself
// is made by the first wait that blocks.
void init_wait();
// Clients blocked in AI._WAIT now (INFO ai_wait: ai_waiting_clients).
long long waiting_clients();

// What insitu's own writes tell the keyspace (module values fire no event by themselves).
void notify_written(RedisModuleCtx* ctx, const char* event, RedisModuleString* key);

}  // namespace insitu::module
