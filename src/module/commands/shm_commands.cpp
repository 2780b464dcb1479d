#include "module/commands/shm_commands.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "core/proc_stat.h"
#include "core/text.h"
#include "engine/errors.h"
#include "module/commands/args.h"
#include "module/shm/shm_store.h"
#include "module/types/tensor_type.h"

namespace insitu::module {
namespace {

// A numeric setting by CONFIG GET (its reply's last bulk); -1 when unreadable.
long long config_number(RedisModuleCtx* ctx, const char* name) {
    RedisModuleCallReply* r = RedisModule_Call(ctx, "CONFIG", "cc", "GET", name);
    if (!r) return -1;
    std::size_t n = 0;
    const char* proto = RedisModule_CallReplyProto(r, &n);
    std::string_view text(proto ? proto : "", proto ? n : 0);
    long long v = -1;
    auto at = text.rfind("\r\n$");
    if (at != std::string_view::npos) {
        auto start = text.find("\r\n", at + 3);
        if (start != std::string_view::npos) {
            auto end = text.find("\r", start + 2);
            if (auto parsed = core::parse_ll(text.substr(start + 2, end - start - 2))) v = *parsed;
        }
    }
    RedisModule_FreeCallReply(r);
    return v;
}

}  // namespace

int shm_hello_command(RedisModuleCtx* ctx, RedisModuleString**, int argc) {
    if (argc != 1) return RedisModule_WrongArity(ctx);
    std::string reason = shm_unavailable_reason(ctx);
    auto arena = reason.empty() ? shm_arena() : nullptr;
    RedisModule_ReplyWithArray(ctx, arena ? 16 : 4);
    RedisModule_ReplyWithCString(ctx, "enabled");
    RedisModule_ReplyWithLongLong(ctx, arena ? 1 : 0);
    RedisModule_ReplyWithCString(ctx, "reason");
    RedisModule_ReplyWithStringBuffer(ctx, reason.data(), reason.size());
    if (!arena) return REDISMODULE_OK;
    RedisModule_ReplyWithCString(ctx, "pid");
    RedisModule_ReplyWithLongLong(ctx, getpid());
    RedisModule_ReplyWithCString(ctx, "start_time");
    RedisModule_ReplyWithLongLong(
        ctx, static_cast<long long>(core::process_start_ticks(getpid()).value_or(0)));
    RedisModule_ReplyWithCString(ctx, "fd");
    RedisModule_ReplyWithLongLong(ctx, arena->fd());
    RedisModule_ReplyWithCString(ctx, "inode");
    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(arena->inode()));
    RedisModule_ReplyWithCString(ctx, "data_offset");
    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(arena->data_start()));
    RedisModule_ReplyWithCString(ctx, "size");
    return RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(arena->mapping_size()));
}

int shm_alloc_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    auto args = arg_views(argv, argc);
    auto n = core::parse_ull(args[0]);
    if (!n || *n == 0) return RedisModule_ReplyWithError(ctx, "ERR invalid SHM block size");
    std::string reason = shm_unavailable_reason(ctx);
    if (!reason.empty())
        return RedisModule_ReplyWithError(ctx,
                                          ("ERR shared-memory path is off: " + reason).c_str());
    // Replicas and the AOF receive the tensor as a BLOB, which must fit the protocol's limit
    // (a client then sends it over the socket and gets the server's own refusal).
    auto cached_max = shm_cached_bulk_limit();
    long long bulk_max = cached_max ? *cached_max : config_number(ctx, "proto-max-bulk-len");
    if (!cached_max) shm_cache_bulk_limit(bulk_max);
    if (bulk_max > 0 && *n > static_cast<unsigned long long>(bulk_max))
        return RedisModule_ReplyWithError(
            ctx,
            "ERR SHM block larger than proto-max-bulk-len (the bytes are replicated as a BLOB)");
    auto arena = shm_arena();
    unsigned long long client = RedisModule_GetClientId(ctx);
    auto block = arena->allocate(*n);
    if (!block) return RedisModule_ReplyWithError(ctx, "ERR shared-memory arena is full");
    shm_add_pending(client, *block);
    RedisModule_ReplyWithArray(ctx, 3);
    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(block->offset));
    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(block->size));
    return RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(block->tag));
}

engine::BlobPtr take_shm_blob(RedisModuleCtx* ctx, const engine::TensorSetArgs& a,
                              std::string_view offset_arg, std::string_view tag_arg) {
    auto offset = core::parse_ull(offset_arg);
    auto tag = core::parse_ll(tag_arg);
    if (!offset || !tag) throw engine::CommandError(engine::msg::shm_args);
    auto arena = shm_arena();
    if (!arena || !RedisModule_GetClientId)
        throw engine::CommandError("ERR no SHM block was handed out (send AI._SHMALLOC first)");
    auto block =
        shm_take_pending(RedisModule_GetClientId(ctx), *offset, static_cast<std::uint64_t>(*tag));
    // A block handed out before maxmemory was set (a client's spare) is not committed either;
    // the client sends the bytes over the socket instead.
    std::string reason = shm_unavailable_reason(ctx);
    if (block && !reason.empty()) {
        arena->release(block->offset);
        throw engine::CommandError("ERR shared-memory path is off: " + reason);
    }
    if (!block)
        throw engine::CommandError(
            "ERR SHM block is not one this connection allocated and has not used yet");
    if (block->size < a.nbytes) {
        arena->release(block->offset);
        throw engine::CommandError(engine::msg::blob_length);
    }
    auto blob = std::make_shared<ShmBlob>(arena, *block, a.nbytes);
    // Same checks as a BLOB; a refused block goes back to the arena with `blob`.
    engine::validate_blob(a, blob->bytes());
    return blob;
}

}  // namespace insitu::module
