// AI.TENSORSET and AI.TENSORGET.
#include "module/commands/tensor_commands.h"

#include <charconv>
#include <cstring>
#include <memory>
#include <new>

#include "core/half.h"
#include "core/text.h"
#include "engine/errors.h"
#include "engine/tensor_args.h"
#include "module/commands/args.h"
#include "module/commands/propagation.h"
#include "module/commands/shm_commands.h"
#include "module/commands/wait_command.h"
#include "module/module_config.h"
#include "module/redis_blob.h"
#include "module/shm/shm_store.h"
#include "module/types/tensor_type.h"

namespace insitu::module {
namespace {

template <typename T>
T load(const char* p, std::size_t i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    return v;
}

void reply_values(RedisModuleCtx* ctx, const engine::Tensor& t) {
    const char* p = t.data().data();
    if (t.dtype == TensorType::String) {
        auto items = engine::split_strings(t.data());
        RedisModule_ReplyWithArray(ctx, static_cast<long>(items.size()));
        for (auto s : items) RedisModule_ReplyWithStringBuffer(ctx, s.data(), s.size());
        return;
    }
    std::size_t n = t.element_count();
    RedisModule_ReplyWithArray(ctx, static_cast<long>(n));
    for (std::size_t i = 0; i < n; ++i) {
        switch (t.dtype) {
            case TensorType::Float:
                RedisModule_ReplyWithDouble(ctx, load<float>(p, i));
                break;
            case TensorType::Double:
                RedisModule_ReplyWithDouble(ctx, load<double>(p, i));
                break;
            case TensorType::Float16:
                RedisModule_ReplyWithDouble(ctx, core::half_to_float(load<std::uint16_t>(p, i)));
                break;
            case TensorType::BFloat16:
                RedisModule_ReplyWithDouble(ctx,
                                            core::bfloat16_to_float(load<std::uint16_t>(p, i)));
                break;
            case TensorType::Int8:
                RedisModule_ReplyWithLongLong(ctx, load<std::int8_t>(p, i));
                break;
            case TensorType::Int16:
                RedisModule_ReplyWithLongLong(ctx, load<std::int16_t>(p, i));
                break;
            case TensorType::Int32:
                RedisModule_ReplyWithLongLong(ctx, load<std::int32_t>(p, i));
                break;
            case TensorType::Int64:
                RedisModule_ReplyWithLongLong(ctx, load<std::int64_t>(p, i));
                break;
            case TensorType::Uint8:
            case TensorType::Bool:
                RedisModule_ReplyWithLongLong(ctx, load<std::uint8_t>(p, i));
                break;
            case TensorType::Uint16:
                RedisModule_ReplyWithLongLong(ctx, load<std::uint16_t>(p, i));
                break;
            case TensorType::Uint32:
                RedisModule_ReplyWithLongLong(ctx, load<std::uint32_t>(p, i));
                break;
            case TensorType::Uint64: {
                auto v = load<std::uint64_t>(p, i);
                if (v <= static_cast<std::uint64_t>(INT64_MAX)) {
                    RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(v));
                } else {  // beyond a RESP integer: a big number (a bulk string in RESP2)
                    char buf[24];
                    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
                    (void)ec;
                    RedisModule_ReplyWithBigNumber(ctx, buf, static_cast<size_t>(end - buf));
                }
                break;
            }
            default:
                RedisModule_ReplyWithNull(ctx);
                break;
        }
    }
}

}  // namespace

void reply_tensor(RedisModuleCtx* ctx, const engine::Tensor& t, const engine::TensorGetArgs& g) {
    // SHM: a tensor held in the arena is answered with its block; the client copies it out.
    auto* shm = g.shm ? dynamic_cast<const ShmBlob*>(t.blob.get()) : nullptr;
    if (g.meta || shm) {
        RedisModule_ReplyWithArray(ctx, (g.blob || g.values) ? 6 : 4);
        RedisModule_ReplyWithCString(ctx, "dtype");
        std::string_view name = wire_name(t.dtype);
        RedisModule_ReplyWithStringBuffer(ctx, name.data(), name.size());
        RedisModule_ReplyWithCString(ctx, "shape");
        RedisModule_ReplyWithArray(ctx, static_cast<long>(t.dims.size()));
        for (auto d : t.dims) RedisModule_ReplyWithLongLong(ctx, d);
    }
    if (shm) {
        shm_count_get();
        RedisModule_ReplyWithCString(ctx, "shm");
        RedisModule_ReplyWithArray(ctx, 3);
        RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(shm->block().offset));
        RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(t.data().size()));
        RedisModule_ReplyWithLongLong(ctx, static_cast<long long>(shm->block().tag));
        return;
    }
    if (g.meta) {
        if (g.blob) RedisModule_ReplyWithCString(ctx, "blob");
        if (g.values) RedisModule_ReplyWithCString(ctx, "values");
    }
    if (g.blob) RedisModule_ReplyWithStringBuffer(ctx, t.data().data(), t.data().size());
    if (g.values) reply_values(ctx, t);
}

int tensorset_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (argc < 4) return RedisModule_WrongArity(ctx);
    auto args = arg_views(argv, argc);
    std::unique_ptr<engine::Tensor> tensor;
    bool from_shm = false;
    try {
        auto a = engine::parse_tensorset(args, config().tensor_limits);
        tensor = std::make_unique<engine::Tensor>();
        tensor->dtype = a.dtype;
        tensor->dims = a.dims;
        if (a.source == engine::TensorSetArgs::Source::blob) {
            engine::validate_blob(a, args[a.data_index]);
            // Keep the argument Redis already parsed: the tensor points into it (argv index is
            // one more than the args index, which skips the command name).
            tensor->blob =
                std::make_shared<RedisStringBlob>(ctx, argv[a.data_index + 1], /*retain=*/true);
        } else if (a.source == engine::TensorSetArgs::Source::shm) {
            from_shm = true;
            tensor->blob = take_shm_blob(ctx, a, args[a.data_index], args[a.data_index + 1]);
        } else {
            tensor->blob = engine::build_blob(a, args);
        }
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    } catch (const std::bad_alloc&) {
        return RedisModule_ReplyWithError(ctx, "ERR out of memory while creating tensor");
    }

    engine::Tensor* existing = nullptr;
    RedisModuleKey* key = open_tensor_key(ctx, argv[1], REDISMODULE_READ | REDISMODULE_WRITE,
                                          /*must_exist=*/false, &existing);
    if (!key) return REDISMODULE_OK;  // error already sent; keyspace untouched
    const engine::Tensor* stored = tensor.get();
    RedisModule_ModuleTypeSetValue(key, tensor_type(), tensor.release());
    notify_written(ctx, "ai.tensorset", argv[1]);
    if (from_shm) {
        shm_count_put();
        propagate_tensor_write(ctx, argv[1], *stored);
    } else {
        RedisModule_ReplicateVerbatim(ctx);
    }
    RedisModule_CloseKey(key);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

int tensorget_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    // RedisAI's arity (at most META and a format), plus insitu's SHM as a fourth option.
    if (argc < 2 || argc > 5) return RedisModule_WrongArity(ctx);
    if (argc == 5) {
        std::size_t n = 0;
        const char* last = RedisModule_StringPtrLen(argv[4], &n);
        if (!core::iequals(std::string_view(last, n), "SHM")) return RedisModule_WrongArity(ctx);
    }
    engine::TensorGetArgs g;
    try {
        g = engine::parse_tensorget(arg_views(argv, argc));
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    engine::Tensor* t = nullptr;
    RedisModuleKey* key = open_tensor_key(ctx, argv[1], REDISMODULE_READ, /*must_exist=*/true, &t);
    if (!key) return REDISMODULE_OK;
    reply_tensor(ctx, *t, g);
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}

}  // namespace insitu::module
