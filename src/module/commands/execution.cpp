#include "module/commands/execution.h"

#include <atomic>
#include <chrono>

#include "engine/inline_run.h"
#include "engine/run_queue.h"
#include "module/commands/propagation.h"
#include "module/commands/tensor_commands.h"
#include "module/commands/wait_command.h"
#include "module/module_config.h"
#include "module/types/tensor_type.h"

namespace insitu::module {
namespace {

std::atomic<long long> g_inline_runs{0}, g_queued_runs{0};

// Several clients running models back to back: the event loop would run every model itself, one
// after another, where the queue lets a worker run one while the main thread reads and answers
// the next (two CPUs instead of one). A run arriving within this long after another client's
// inline run goes to the queue; later ones follow while the worker is busy (its queue is not
// idle), and inline runs resume once it drains.
constexpr std::chrono::microseconds k_contention_window{50};
std::atomic<unsigned long long> g_last_inline_client{0};
std::atomic<std::int64_t> g_last_inline_end_ns{0};

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool another_client_just_ran_inline(unsigned long long client) {
    return client != g_last_inline_client.load(std::memory_order_relaxed) &&
           now_ns() - g_last_inline_end_ns.load(std::memory_order_relaxed) <
               std::chrono::nanoseconds(k_contention_window).count();
}

RedisModuleString* make_string(RedisModuleCtx* ctx, const std::string& s) {
    return RedisModule_CreateString(ctx, s.data(), s.size());
}

// Stores `t` under `name` and replicates it as AI.TENSORSET (when anything consumes the stream).
// False (nothing written) when the key holds another type.
bool write_tensor(RedisModuleCtx* ctx, const std::string& name, const engine::Tensor& t) {
    RedisModuleString* key = make_string(ctx, name);
    auto* k = static_cast<RedisModuleKey*>(
        RedisModule_OpenKey(ctx, key, REDISMODULE_READ | REDISMODULE_WRITE));
    int type = RedisModule_KeyType(k);
    if (type != REDISMODULE_KEYTYPE_EMPTY && RedisModule_ModuleTypeGetType(k) != tensor_type()) {
        RedisModule_CloseKey(k);
        RedisModule_FreeString(ctx, key);
        return false;
    }
    RedisModule_ModuleTypeSetValue(k, tensor_type(), new engine::Tensor(t));
    RedisModule_CloseKey(k);
    notify_written(ctx, "ai.tensorset", key);
    propagate_tensor_write(ctx, key, t);
    RedisModule_FreeString(ctx, key);
    return true;
}

const char* k_wrongtype_output =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

int reply_single(RedisModuleCtx* ctx, PendingRun& run) {
    const engine::JobOp& op = run.job.ops.at(0);
    if (op.status == engine::JobOp::Status::error)
        return RedisModule_ReplyWithError(ctx, op.error.c_str());
    for (const auto& name : op.outputs) {
        const engine::Tensor* t = run.job.find_tensor(name);
        if (!t) return RedisModule_ReplyWithError(ctx, "ERR output tensor was not produced");
        if (!write_tensor(ctx, name, *t))
            return RedisModule_ReplyWithError(ctx, k_wrongtype_output);
    }
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

int reply_dag(RedisModuleCtx* ctx, PendingRun& run) {
    bool persist_failed = false;
    if (!run.job.failed) {
        for (const auto& name : run.persist) {
            const engine::Tensor* t = run.job.find_tensor(name);
            if (!t || !write_tensor(ctx, name, *t)) persist_failed = true;
        }
    }
    const auto& ops = run.job.ops;
    RedisModule_ReplyWithArray(ctx, static_cast<long>(ops.size() + (persist_failed ? 1 : 0)));
    for (const auto& op : ops) {
        switch (op.kind) {
            case engine::DagOpKind::tensorset:
                RedisModule_ReplyWithSimpleString(ctx, "OK");
                break;
            case engine::DagOpKind::tensorget:
                if (op.snapshot)
                    reply_tensor(ctx, *op.snapshot, op.get_format);
                else
                    RedisModule_ReplyWithSimpleString(ctx, "NA");
                break;
            default:
                if (op.status == engine::JobOp::Status::ok)
                    RedisModule_ReplyWithSimpleString(ctx, "OK");
                else if (op.status == engine::JobOp::Status::error)
                    RedisModule_ReplyWithError(ctx, op.error.c_str());
                else
                    RedisModule_ReplyWithSimpleString(ctx, "NA");
        }
    }
    if (persist_failed)
        RedisModule_ReplyWithError(ctx, "ERR Could not persist DAG tensors to the keyspace");
    return REDISMODULE_OK;
}

int reply_run(RedisModuleCtx* ctx, PendingRun& run) {
    if (run.job.timed_out) return RedisModule_ReplyWithSimpleString(ctx, "TIMEDOUT");
    return run.dag ? reply_dag(ctx, run) : reply_single(ctx, run);
}

int run_reply(RedisModuleCtx* ctx, RedisModuleString**, int) {
    return reply_run(ctx, *static_cast<PendingRun*>(RedisModule_GetBlockedClientPrivateData(ctx)));
}

// Runs on the main thread once the client is unblocked (or disconnected): the job may hold
// retained Redis strings, which must only be released here.
void run_free(RedisModuleCtx*, void* privdata) {
    delete static_cast<PendingRun*>(privdata);
}

}  // namespace

bool refuse_if_cannot_block(RedisModuleCtx* ctx) {
    int flags = RedisModule_GetContextFlags(ctx);
    if (flags & (REDISMODULE_CTX_FLAGS_MULTI | REDISMODULE_CTX_FLAGS_LUA |
                 REDISMODULE_CTX_FLAGS_DENY_BLOCKING)) {
        RedisModule_ReplyWithError(
            ctx, "ERR Cannot run RedisAI command within a transaction or a LUA script");
        return true;
    }
    return false;
}

int block_and_run(RedisModuleCtx* ctx, std::unique_ptr<PendingRun> run) {
    // With one worker per queue runs are serial anyway; running a cheap one here saves the
    // hand-off to the worker and the wake-up back (two thread switches, more than the model).
    const unsigned long long client = RedisModule_GetClientId ? RedisModule_GetClientId(ctx) : 0;
    if (config().threads_per_queue == 1 && !another_client_just_ran_inline(client) &&
        engine::run_inline_if_cheap(run->job, config().inline_run_us)) {
        ++g_inline_runs;
        g_last_inline_client.store(client, std::memory_order_relaxed);
        g_last_inline_end_ns.store(now_ns(), std::memory_order_relaxed);
        return reply_run(ctx, *run);
    }
    ++g_queued_runs;
    RedisModuleBlockedClient* bc = RedisModule_BlockClient(ctx, run_reply, nullptr, run_free, 0);
    PendingRun* p = run.release();
    // The worker's last touch of the job: after UnblockClient the main thread owns it.
    p->job.on_complete = [bc, p](engine::Job&) { RedisModule_UnblockClient(bc, p); };
    engine::run_queues().submit(&p->job);
    return REDISMODULE_OK;
}

int run_single_op(RedisModuleCtx* ctx, engine::JobOp op, std::int64_t timeout_ms) {
    auto pending = std::make_unique<PendingRun>();
    for (const auto& in : op.inputs) {
        RedisModuleString* name = RedisModule_CreateString(ctx, in.data(), in.size());
        bool ok = load_input(ctx, name, pending->job, in);
        RedisModule_FreeString(ctx, name);
        if (!ok) return REDISMODULE_OK;
    }
    pending->job.ops.push_back(std::move(op));
    pending->job.timeout_ms = timeout_ms;
    return block_and_run(ctx, std::move(pending));
}

long long inline_runs() {
    return g_inline_runs.load();
}
long long queued_runs() {
    return g_queued_runs.load();
}

bool load_input(RedisModuleCtx* ctx, RedisModuleString* key, engine::Job& job,
                const std::string& name) {
    engine::Tensor* t = nullptr;
    RedisModuleKey* k = open_tensor_key(ctx, key, REDISMODULE_READ, /*must_exist=*/true, &t);
    if (!k) return false;
    job.tensors[name] = *t;
    RedisModule_CloseKey(k);
    return true;
}

}  // namespace insitu::module
