// Running a job on behalf of a client: the client is blocked while the job sits on the run
// queues, then the reply callback (Redis main thread) writes the outputs to the keyspace,
// replicates them as AI.TENSORSET ... BLOB, and replies. Shared by the MODEL*, SCRIPT* and DAG
// commands.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/job.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

struct PendingRun {
    engine::Job job;
    bool dag = false;
    // Single-op commands write the op's outputs; DAGs write the PERSIST names.
    std::vector<std::string> persist;
};

// "ERR Cannot run RedisAI command within a transaction or a LUA script" inside MULTI, Lua or
// any context that cannot block. True when refused (the reply is sent).
bool refuse_if_cannot_block(RedisModuleCtx* ctx);

// Blocks the client and submits the job, or runs it right here when it is cheap (INLINE_RUN_US,
// see engine/inline_run.h) and replies. Takes ownership of `run`.
int block_and_run(RedisModuleCtx* ctx, std::unique_ptr<PendingRun> run);

// A one-op job (MODELEXECUTE, MODELRUN, SCRIPTEXECUTE, SCRIPTRUN): looks the op's inputs up now,
// on the main thread, then runs it through block_and_run.
int run_single_op(RedisModuleCtx* ctx, engine::JobOp op, std::int64_t timeout_ms);

// Jobs run on the main thread and jobs handed to the queues since load (INFO MODULES).
long long inline_runs();
long long queued_runs();

// Copies a keyspace tensor into the job context under `name`. False after replying an error.
bool load_input(RedisModuleCtx* ctx, RedisModuleString* key, engine::Job& job,
                const std::string& name);

}  // namespace insitu::module
