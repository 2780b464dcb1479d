// AI.INFO (per-key run statistics) and AI.CONFIG (BACKENDSPATH, LOADBACKEND, MODEL_CHUNK_SIZE,
// GET).
#include "module/commands/info_config_commands.h"

#include <string>

#include "core/text.h"
#include "engine/errors.h"
#include "engine/info_config_args.h"
#include "engine/stats.h"
#include "module/commands/args.h"
#include "module/module_config.h"

namespace insitu::module {

int info_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (argc < 2 || argc > 3) return RedisModule_WrongArity(ctx);
    engine::InfoArgs a;
    try {
        a = engine::parse_info(arg_views(argv, argc));
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    auto s = engine::stats_registry().find(std::string(a.key));
    if (!s) return RedisModule_ReplyWithError(ctx, "ERR cannot find run info for key");
    if (a.reset) {
        s->reset();
        return RedisModule_ReplyWithSimpleString(ctx, "OK");
    }
    auto str = [&](const std::string& v) {
        RedisModule_ReplyWithStringBuffer(ctx, v.data(), v.size());
    };
    RedisModule_ReplyWithArray(ctx, 18);
    RedisModule_ReplyWithCString(ctx, "key");
    str(s->key);
    RedisModule_ReplyWithCString(ctx, "type");
    RedisModule_ReplyWithCString(ctx, s->is_model ? "MODEL" : "SCRIPT");
    RedisModule_ReplyWithCString(ctx, "backend");
    str(s->backend);
    RedisModule_ReplyWithCString(ctx, "device");
    str(s->device);
    RedisModule_ReplyWithCString(ctx, "tag");
    str(s->tag);
    RedisModule_ReplyWithCString(ctx, "duration");
    RedisModule_ReplyWithLongLong(ctx, s->duration_us);
    RedisModule_ReplyWithCString(ctx, "samples");
    RedisModule_ReplyWithLongLong(ctx, s->is_model ? s->samples.load() : -1);
    RedisModule_ReplyWithCString(ctx, "calls");
    RedisModule_ReplyWithLongLong(ctx, s->calls);
    RedisModule_ReplyWithCString(ctx, "errors");
    RedisModule_ReplyWithLongLong(ctx, s->errors);
    return REDISMODULE_OK;
}

int config_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (argc < 2) return RedisModule_WrongArity(ctx);
    engine::ConfigArgs c;
    try {
        c = engine::parse_config(arg_views(argv, argc));
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    using Kind = engine::ConfigArgs::Kind;
    switch (c.kind) {
        case Kind::backends_path:
            config().backends_path = std::string(c.value);
            return RedisModule_ReplyWithSimpleString(ctx, "OK");
        case Kind::load_backend: {
            std::string path(c.value);
            if (!path.empty() && path[0] != '/') path = config().backends_path + "/" + path;
            try {
                engine::backends().load(c.backend, path);
            } catch (const engine::BackendLoadError& e) {
                RedisModule_Log(ctx, "warning", "insitu: %s", e.what());
                return RedisModule_ReplyWithError(
                    ctx, (std::string("ERR error loading backend: ") + e.what()).c_str());
            }
            return RedisModule_ReplyWithSimpleString(ctx, "OK");
        }
        case Kind::chunk_size:
            config().model_chunk_size = c.chunk_size;
            return RedisModule_ReplyWithSimpleString(ctx, "OK");
        case Kind::get:
            if (core::iequals(c.value, "BACKENDSPATH"))
                return RedisModule_ReplyWithStringBuffer(ctx, config().backends_path.data(),
                                                         config().backends_path.size());
            if (core::iequals(c.value, "MODEL_CHUNK_SIZE"))
                return RedisModule_ReplyWithLongLong(ctx, config().model_chunk_size);
            return RedisModule_ReplyWithNull(ctx);
    }
    return RedisModule_ReplyWithNull(ctx);
}

}  // namespace insitu::module
