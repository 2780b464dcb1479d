#include "module/commands/key_access.h"

#include <optional>
#include <string_view>

#include "core/hash_slot.h"
#include "module/commands/command_table.h"

namespace insitu::module {
namespace {

using engine::KeyRef;
using engine::KeyRole;

int role_flags(KeyRole role) {
    switch (role) {
        case KeyRole::input:
        case KeyRole::object:
            return REDISMODULE_CMD_KEY_RO | REDISMODULE_CMD_KEY_ACCESS;
        case KeyRole::output:
            return REDISMODULE_CMD_KEY_OW | REDISMODULE_CMD_KEY_UPDATE;
        case KeyRole::keys:
            return REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_ACCESS | REDISMODULE_CMD_KEY_UPDATE;
        case KeyRole::routing:
            // Neither read nor written: any key pattern that matches its name allows it.
            return REDISMODULE_CMD_KEY_RO;
    }
    return 0;
}

int slot_of(RedisModuleString* s) {
    size_t n = 0;
    const char* p = RedisModule_StringPtrLen(s, &n);
    return core::hash_slot(std::string_view(p, n));
}

// Whether keys[i] is reported. Outside a cluster every key is; in a cluster a model or script
// key only when it shares the slot of the first tensor key (or, without tensor keys, of the
// first model or script key).
std::vector<bool> reported(RedisModuleCtx* ctx, RedisModuleString** argv,
                           const std::vector<KeyRef>& keys) {
    std::vector<bool> out(keys.size(), true);
    if (!(RedisModule_GetContextFlags(ctx) & REDISMODULE_CTX_FLAGS_CLUSTER)) return out;
    std::optional<int> anchor;
    for (const auto& k : keys)
        if (k.role != KeyRole::object) {
            anchor = slot_of(argv[k.pos + 1]);
            break;
        }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i].role != KeyRole::object) continue;
        int slot = slot_of(argv[keys[i].pos + 1]);
        if (!anchor) anchor = slot;
        out[i] = slot == *anchor;
    }
    return out;
}

}  // namespace

void report_keys(RedisModuleCtx* ctx, RedisModuleString** argv, const std::vector<KeyRef>& keys) {
    auto shown = reported(ctx, argv, keys);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (!shown[i]) continue;
        int pos = static_cast<int>(keys[i].pos + 1);
        if (RedisModule_KeyAtPosWithFlags)
            RedisModule_KeyAtPosWithFlags(ctx, pos, role_flags(keys[i].role));
        else
            RedisModule_KeyAtPos(ctx, pos);
    }
}

bool check_unreported_keys(RedisModuleCtx* ctx, RedisModuleString** argv,
                           const std::vector<KeyRef>& keys) {
    if (!RedisModule_GetCurrentUserName || !RedisModule_GetModuleUserFromUserName ||
        !RedisModule_ACLCheckKeyPermissions || !RedisModule_FreeModuleUser)
        return true;
    auto shown = reported(ctx, argv, keys);
    RedisModuleUser* user = nullptr;
    bool allowed = true;
    for (std::size_t i = 0; i < keys.size() && allowed; ++i) {
        if (shown[i]) continue;
        if (!user) {
            RedisModuleString* name = RedisModule_GetCurrentUserName(ctx);
            if (!name) return true;  // not called by a client (e.g. replicated)
            user = RedisModule_GetModuleUserFromUserName(name);
            RedisModule_FreeString(ctx, name);
            if (!user) break;
        }
        // It takes the logical-operation flags only (EINVAL with RO, OW, ...).
        int flags = role_flags(keys[i].role) &
                    static_cast<int>(REDISMODULE_CMD_KEY_ACCESS | REDISMODULE_CMD_KEY_INSERT |
                                     REDISMODULE_CMD_KEY_DELETE | REDISMODULE_CMD_KEY_UPDATE);
        allowed = RedisModule_ACLCheckKeyPermissions(user, argv[keys[i].pos + 1], flags) ==
                  REDISMODULE_OK;
    }
    if (user) RedisModule_FreeModuleUser(user);
    if (!allowed)
        RedisModule_ReplyWithError(
            ctx, "NOPERM this user has no permissions to access one of the keys used as arguments");
    return allowed;
}

void declare_key_specs(RedisModuleCtx* ctx) {
    if (!RedisModule_GetCommand || !RedisModule_SetCommandInfo) return;
    static const RedisModuleCommandInfoVersion version = {1, sizeof(RedisModuleCommandHistoryEntry),
                                                          sizeof(RedisModuleCommandKeySpec), 0};
    for (const auto& c : command_table()) {
        if (!c.key_flags || !command_enabled(c)) continue;
        RedisModuleCommandKeySpec specs[2] = {};
        specs[0].flags = c.key_flags;
        specs[0].begin_search_type = REDISMODULE_KSPEC_BS_INDEX;
        specs[0].bs.index.pos = c.first_key;
        specs[0].find_keys_type = REDISMODULE_KSPEC_FK_RANGE;
        specs[0].fk.range = {0, 1, 0};
        RedisModuleCommandInfo info = {};
        info.version = &version;
        info.key_specs = specs;
        RedisModuleCommand* cmd = RedisModule_GetCommand(ctx, c.name);
        if (!cmd || RedisModule_SetCommandInfo(cmd, &info) != REDISMODULE_OK)
            RedisModule_Log(ctx, "warning", "insitu: could not declare the key of %s", c.name);
    }
}

}  // namespace insitu::module
