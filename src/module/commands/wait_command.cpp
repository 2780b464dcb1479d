#include "module/commands/wait_command.h"

#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/text.h"
#include "module/types/model_type.h"
#include "module/types/tensor_type.h"

namespace insitu::module {
namespace {

enum class Condition { exists, tensor, model, dataset, llen_eq, llen_gte, llen_lte };
enum class Outcome { no, yes, wrong_type };

struct WaitArgs {
    Condition condition = Condition::exists;
    long long n = 0;
    long long timeout_ms = 0;
};

// One client blocked in AI._WAIT. Owned by the registry below from BlockClient until the module
// hands the client back (UnblockClient: woken, timed out or disconnected).
struct Waiter {
    RedisModuleBlockedClient* bc;
    std::string index;  // "<db>:<key>": where by_key files it
    WaitArgs args;
};

struct Registry {
    bool enabled = true;
    bool subscribed = false;
    std::string unavailable;  // why AI._WAIT cannot block on this server ("" when it can)
    std::unordered_map<RedisModuleBlockedClient*, std::unique_ptr<Waiter>> by_client;
    std::unordered_map<std::string, std::vector<Waiter*>> by_key;
};

Registry& registry() {
    static Registry r;
    return r;
}

// A dataset's meta hash gets this field last (SmartRedis's layout), so it marks a whole dataset.
constexpr char k_dataset_ack[] = ".COMPLETE";

// Passed to UnblockClient: what the reply callback answers.
int k_woken_yes = 1;
int k_woken_wrong_type = 2;

std::string_view view(RedisModuleString* s) {
    size_t len = 0;
    const char* p = RedisModule_StringPtrLen(s, &len);
    return {p, len};
}

std::string index_of(int db, RedisModuleString* key) {
    std::string out = std::to_string(db);
    out += ':';
    out += view(key);
    return out;
}

// Parses argv (AI._WAIT key condition [n] timeout_ms); false after replying the error.
bool parse(RedisModuleCtx* ctx, RedisModuleString** argv, int argc, WaitArgs& out) {
    if (argc < 4) {
        RedisModule_WrongArity(ctx);
        return false;
    }
    const std::string cond = core::to_upper(view(argv[2]));
    static const std::pair<const char*, Condition> names[] = {
        {"EXISTS", Condition::exists},     {"TENSOR", Condition::tensor},
        {"MODEL", Condition::model},       {"DATASET", Condition::dataset},
        {"LLEN_EQ", Condition::llen_eq},   {"LLEN_GTE", Condition::llen_gte},
        {"LLEN_LTE", Condition::llen_lte},
    };
    bool known = false;
    for (const auto& [name, c] : names) {
        if (cond != name) continue;
        out.condition = c;
        known = true;
    }
    if (!known) {
        RedisModule_ReplyWithError(ctx,
                                   "ERR AI._WAIT: unknown condition (EXISTS, TENSOR, MODEL, "
                                   "DATASET, LLEN_EQ n, LLEN_GTE n, LLEN_LTE n)");
        return false;
    }
    const bool counted = out.condition == Condition::llen_eq ||
                         out.condition == Condition::llen_gte ||
                         out.condition == Condition::llen_lte;
    if (argc != (counted ? 5 : 4)) {
        RedisModule_WrongArity(ctx);
        return false;
    }
    if (counted) {
        auto n = core::parse_ll(view(argv[3]));
        if (!n || *n < 0) {
            RedisModule_ReplyWithError(ctx, "ERR AI._WAIT: the length must be an integer >= 0");
            return false;
        }
        out.n = *n;
    }
    auto t = core::parse_ll(view(argv[argc - 1]));
    if (!t || *t < 0) {
        RedisModule_ReplyWithError(ctx, "ERR AI._WAIT: the timeout must be an integer >= 0 (ms)");
        return false;
    }
    out.timeout_ms = *t;
    return true;
}

Outcome compare_length(long long len, const WaitArgs& a) {
    bool holds = a.condition == Condition::llen_eq    ? len == a.n
                 : a.condition == Condition::llen_gte ? len >= a.n
                                                      : len <= a.n;
    return holds ? Outcome::yes : Outcome::no;
}

// The condition now. Reads only, so it may run inside a keyspace notification.
Outcome evaluate(RedisModuleCtx* ctx, RedisModuleString* key_name, const WaitArgs& a) {
    auto* key = static_cast<RedisModuleKey*>(RedisModule_OpenKey(ctx, key_name, REDISMODULE_READ));
    const int type = key ? RedisModule_KeyType(key) : REDISMODULE_KEYTYPE_EMPTY;
    Outcome out = Outcome::no;
    switch (a.condition) {
        case Condition::exists:
            out = type != REDISMODULE_KEYTYPE_EMPTY ? Outcome::yes : Outcome::no;
            break;
        case Condition::tensor:
        case Condition::model: {
            RedisModuleType* want = a.condition == Condition::tensor ? tensor_type() : model_type();
            out = type == REDISMODULE_KEYTYPE_MODULE && RedisModule_ModuleTypeGetType(key) == want
                      ? Outcome::yes
                      : Outcome::no;
            break;
        }
        case Condition::dataset:
            if (type == REDISMODULE_KEYTYPE_EMPTY) break;
            if (type != REDISMODULE_KEYTYPE_HASH) {
                out = Outcome::wrong_type;
                break;
            } else {
                int exists = 0;
                RedisModule_HashGet(key, REDISMODULE_HASH_CFIELDS | REDISMODULE_HASH_EXISTS,
                                    k_dataset_ack, &exists, nullptr);
                out = exists ? Outcome::yes : Outcome::no;
            }
            break;
        default:  // the list lengths; a missing key is an empty list, as LLEN says
            if (type == REDISMODULE_KEYTYPE_EMPTY)
                out = compare_length(0, a);
            else if (type != REDISMODULE_KEYTYPE_LIST)
                out = Outcome::wrong_type;
            else
                out = compare_length(static_cast<long long>(RedisModule_ValueLength(key)), a);
    }
    if (key) RedisModule_CloseKey(key);
    return out;
}

int reply_outcome(RedisModuleCtx* ctx, Outcome o) {
    if (o == Outcome::wrong_type)
        return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
    return RedisModule_ReplyWithLongLong(ctx, o == Outcome::yes ? 1 : 0);
}

// Removes the waiter of `bc` from the registry; false when it is not there (already handed back).
bool forget(RedisModuleBlockedClient* bc) {
    auto& r = registry();
    auto it = r.by_client.find(bc);
    if (it == r.by_client.end()) return false;
    auto k = r.by_key.find(it->second->index);
    if (k != r.by_key.end()) {
        auto& list = k->second;
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (list[i] != it->second.get()) continue;
            list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        }
        if (list.empty()) r.by_key.erase(k);
    }
    r.by_client.erase(it);
    return true;
}

// Woken by a keyspace event: the reply the notification decided.
int wait_reply(RedisModuleCtx* ctx, RedisModuleString**, int) {
    void* p = RedisModule_GetBlockedClientPrivateData(ctx);
    return reply_outcome(ctx, p == &k_woken_wrong_type ? Outcome::wrong_type : Outcome::yes);
}

// Timed out (or CLIENT UNBLOCK): the condition may still have become true without an event
// (FLUSHALL fires none), so it is looked at once more. The blocked client is handed back here,
// as Redis requires for clients blocked with BlockClient.
int wait_timeout(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (RedisModuleBlockedClient* bc = RedisModule_GetBlockedClientHandle(ctx))
        if (forget(bc)) RedisModule_UnblockClient(bc, nullptr);
    WaitArgs a;
    if (argc < 4 || !parse(ctx, argv, argc, a)) return REDISMODULE_OK;
    return reply_outcome(ctx, evaluate(ctx, argv[1], a));
}

// The client went away while blocked: nothing to reply, but the handle must be given back.
void wait_disconnected(RedisModuleCtx*, RedisModuleBlockedClient* bc) {
    if (forget(bc)) RedisModule_UnblockClient(bc, nullptr);
}

int on_keyspace_event(RedisModuleCtx* ctx, int, const char*, RedisModuleString* key) {
    auto& r = registry();
    if (r.by_key.empty()) return REDISMODULE_OK;
    auto it = r.by_key.find(index_of(RedisModule_GetSelectedDb(ctx), key));
    if (it == r.by_key.end()) return REDISMODULE_OK;
    std::vector<std::pair<RedisModuleBlockedClient*, Outcome>> woken;
    for (Waiter* w : it->second) {
        Outcome o = evaluate(ctx, key, w->args);
        if (o != Outcome::no) woken.emplace_back(w->bc, o);
    }
    for (auto [bc, o] : woken) {
        forget(bc);
        RedisModule_UnblockClient(bc, o == Outcome::yes ? &k_woken_yes : &k_woken_wrong_type);
    }
    return REDISMODULE_OK;
}

}  // namespace

void set_wait_enabled(bool enabled) {
    registry().enabled = enabled;
}

bool wait_enabled() {
    return registry().enabled;
}

void init_wait() {
    auto& r = registry();
    if (!r.enabled) return;
    const std::pair<const char*, bool> needed[] = {
        {"NotifyKeyspaceEvent", RedisModule_NotifyKeyspaceEvent != nullptr},
        {"SubscribeToKeyspaceEvents", RedisModule_SubscribeToKeyspaceEvents != nullptr},
        {"GetSelectedDb", RedisModule_GetSelectedDb != nullptr},
        {"ValueLength", RedisModule_ValueLength != nullptr},
        {"HashGet", RedisModule_HashGet != nullptr},
        {"GetBlockedClientHandle", RedisModule_GetBlockedClientHandle != nullptr},
        {"SetDisconnectCallback", RedisModule_SetDisconnectCallback != nullptr},
    };
    for (const auto& [name, present] : needed)
        if (!present)
            r.unavailable +=
                (r.unavailable.empty() ? "RedisModule_" : ", RedisModule_") + std::string(name);
}

long long waiting_clients() {
    return static_cast<long long>(registry().by_client.size());
}

void notify_written(RedisModuleCtx* ctx, const char* event, RedisModuleString* key) {
    if (RedisModule_NotifyKeyspaceEvent)
        RedisModule_NotifyKeyspaceEvent(ctx, REDISMODULE_NOTIFY_MODULE, event, key);
}

int wait_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    WaitArgs a;
    if (!parse(ctx, argv, argc, a)) return REDISMODULE_OK;
    auto& r = registry();
    if (!r.unavailable.empty()) {
        std::string msg = "ERR AI._WAIT is unavailable on this server (it lacks " + r.unavailable +
                          "): poll instead";
        return RedisModule_ReplyWithError(ctx, msg.c_str());
    }
    Outcome now = evaluate(ctx, argv[1], a);
    const int flags = RedisModule_GetContextFlags(ctx);
    const bool cannot_block = flags & (REDISMODULE_CTX_FLAGS_MULTI | REDISMODULE_CTX_FLAGS_LUA |
                                       REDISMODULE_CTX_FLAGS_DENY_BLOCKING);
    // Timeout 0 would block forever in Redis; here it means "look once".
    if (now != Outcome::no || a.timeout_ms == 0 || cannot_block) return reply_outcome(ctx, now);

    // Subscribed at the first wait, not at load: a subscriber costs every write of the server
    // (~0.4 µs for a small AI.TENSORSET here), so a database nobody waits on pays nothing.
    if (!r.subscribed) {
        // Every class of write event (key-miss and "new" excluded: they come before a value).
        const int types = REDISMODULE_NOTIFY_GENERIC | REDISMODULE_NOTIFY_STRING |
                          REDISMODULE_NOTIFY_LIST | REDISMODULE_NOTIFY_SET |
                          REDISMODULE_NOTIFY_HASH | REDISMODULE_NOTIFY_ZSET |
                          REDISMODULE_NOTIFY_EXPIRED | REDISMODULE_NOTIFY_EVICTED |
                          REDISMODULE_NOTIFY_STREAM | REDISMODULE_NOTIFY_MODULE;
        if (RedisModule_SubscribeToKeyspaceEvents(ctx, types, on_keyspace_event) !=
            REDISMODULE_OK) {
            r.unavailable = "a keyspace event subscription";
            return RedisModule_ReplyWithError(
                ctx,
                "ERR AI._WAIT is unavailable on this server (the keyspace event "
                "subscription failed): poll instead");
        }
        r.subscribed = true;
    }
    RedisModuleBlockedClient* bc =
        RedisModule_BlockClient(ctx, wait_reply, wait_timeout, nullptr, a.timeout_ms);
    RedisModule_SetDisconnectCallback(bc, wait_disconnected);
    auto w =
        std::make_unique<Waiter>(Waiter{bc, index_of(RedisModule_GetSelectedDb(ctx), argv[1]), a});
    r.by_key[w->index].push_back(w.get());
    r.by_client.emplace(bc, std::move(w));
    return REDISMODULE_OK;
}

}  // namespace insitu::module
