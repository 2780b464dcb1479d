#include "module/host_services.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/model.h"
#include "module/redis_api/redis_module_api.h"
#include "module/types/model_type.h"

namespace insitu::module {
namespace {

// Holds the thread-safe context and the server lock for one scope (worker threads only).
class ServerLock {
  public:
    ServerLock() : ctx_(RedisModule_GetThreadSafeContext(nullptr)) {
        RedisModule_ThreadSafeContextLock(ctx_);
    }
    ~ServerLock() {
        RedisModule_ThreadSafeContextUnlock(ctx_);
        RedisModule_FreeThreadSafeContext(ctx_);
    }
    ServerLock(const ServerLock&) = delete;
    ServerLock& operator=(const ServerLock&) = delete;
    RedisModuleCtx* ctx() const { return ctx_; }

  private:
    RedisModuleCtx* ctx_;
};

// '!' replicates what the script writes; 'E' (Redis 7.0+) returns the errors that stop a command
// before it runs (unknown command, arity, ACL, OOM, cluster) as error replies. A server without
// 'E' (KeyDB 6.3) refuses the whole format with EBADF before running anything, so the call is
// retried without it and, from then on, made without it; those errors then come back as errno.
std::atomic<bool> call_error_replies{true};

RedisModuleCallReply* call_replicated(RedisModuleCtx* ctx, const char* name,
                                      std::vector<RedisModuleString*>& args) {
    if (call_error_replies.load(std::memory_order_relaxed)) {
        RedisModuleCallReply* r = RedisModule_Call(ctx, name, "!Ev", args.data(), args.size());
        if (r || errno != EBADF) return r;
        call_error_replies.store(false, std::memory_order_relaxed);
    }
    return RedisModule_Call(ctx, name, "!v", args.data(), args.size());
}

// RedisModule_Call's errno values (the Modules API reference), as words.
std::string call_failure_reason(int err) {
    switch (err) {
        case ENOENT:
            return "unknown command";
        case EINVAL:
            return "wrong number of arguments";
        case EPERM:
            return "a key belongs to another cluster shard";
        case EACCES:
            return "the command is not allowed by ACL";
        case EROFS:
            return "the cluster is read-only here";
        case ENETDOWN:
            return "the cluster is down";
        case ENOSPC:
            return "the server is out of memory (maxmemory)";
        default:
            return std::strerror(err);
    }
}

int execute_command(void*, int argc, const char* const* argv, const size_t* lens,
                    const char** resp_reply, size_t* resp_len) {
    // The reply stays valid until this thread's next call, as the ABI promises.
    thread_local std::string reply;
    if (argc < 1) {
        reply = "-ERR redis.execute needs a command name\r\n";
    } else {
        std::string name(argv[0], lens[0]);
        ServerLock lock;
        std::vector<RedisModuleString*> args;
        for (int i = 1; i < argc; ++i)
            args.push_back(RedisModule_CreateString(lock.ctx(), argv[i], lens[i]));
        RedisModuleCallReply* r = call_replicated(lock.ctx(), name.c_str(), args);
        int call_errno = errno;
        if (r) {
            size_t n = 0;
            const char* p = RedisModule_CallReplyProto(r, &n);
            reply.assign(p, n);
            RedisModule_FreeCallReply(r);
        } else {
            reply = "-ERR cannot run '" + name +
                    "' from a script: " + call_failure_reason(call_errno) + "\r\n";
        }
        for (auto* s : args) RedisModule_FreeString(lock.ctx(), s);
    }
    *resp_reply = reply.data();
    *resp_len = reply.size();
    return 0;
}

// Input bytes borrowed from the calling plugin for the duration of the call.
class BorrowedBlob final : public engine::Blob {
  public:
    BorrowedBlob(const void* p, size_t n) {
        data_ = static_cast<const char*>(p);
        size_ = n;
    }
};

int model_execute(void*, const char* model_key, const insitu_tensor_view* inputs, int n_inputs,
                  insitu_output* outputs, int n_outputs, insitu_error* err) {
    auto fail = [&](const std::string& m) {
        std::snprintf(err->message, sizeof err->message, "%s", m.c_str());
        return 1;
    };
    engine::ModelPtr model;
    {
        ServerLock lock;
        RedisModuleString* name =
            RedisModule_CreateString(lock.ctx(), model_key, std::strlen(model_key));
        auto* key =
            static_cast<RedisModuleKey*>(RedisModule_OpenKey(lock.ctx(), name, REDISMODULE_READ));
        if (key && RedisModule_KeyType(key) == REDISMODULE_KEYTYPE_MODULE &&
            RedisModule_ModuleTypeGetType(key) == model_type())
            model = static_cast<ModelValue*>(RedisModule_ModuleTypeGetValue(key))->model;
        RedisModule_CloseKey(key);
        RedisModule_FreeString(lock.ctx(), name);
    }
    if (!model) return fail(std::string("ERR model key is empty: ") + model_key);
    try {
        std::vector<engine::Tensor> in(static_cast<std::size_t>(n_inputs));
        std::vector<const engine::Tensor*> ptrs;
        for (int i = 0; i < n_inputs; ++i) {
            auto& t = in[static_cast<std::size_t>(i)];
            t.dtype = static_cast<TensorType>(inputs[i].dtype);
            t.dims.assign(inputs[i].shape, inputs[i].shape + inputs[i].ndim);
            t.blob = std::make_shared<BorrowedBlob>(inputs[i].data, inputs[i].nbytes);
            ptrs.push_back(&t);
        }
        auto out = model->run(ptrs, n_outputs);
        for (int i = 0; i < n_outputs && i < static_cast<int>(out.size()); ++i) {
            auto* keep = new engine::Tensor(std::move(out[static_cast<std::size_t>(i)]));
            insitu_output& o = outputs[i];
            o.dtype = static_cast<int>(keep->dtype);
            o.ndim = static_cast<int>(keep->dims.size());
            for (int d = 0; d < o.ndim && d < INSITU_MAX_DIMS; ++d)
                o.shape[d] = keep->dims[static_cast<std::size_t>(d)];
            o.data = keep->data().data();
            o.nbytes = keep->data().size();
            o.owner = keep;
            o.release = [](void* p) { delete static_cast<engine::Tensor*>(p); };
        }
        return 0;
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

const insitu_host_api k_host = {nullptr, execute_command, model_execute};

}  // namespace

const insitu_host_api* host_api() {
    return &k_host;
}

}  // namespace insitu::module
