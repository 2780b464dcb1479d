// The subset of the Redis Modules API that insitu uses, declared from the public Modules API
// reference (https://redis.io/docs/reference/modules/modules-api-ref/). The API is an ABI looked up
// by name at load time: RedisModule_Init() resolves each pointer through the server's GetApi.
// Only this header and redis_module_api.cpp know that mechanism.
//
// INSITU_REDIS_API lists what the module requires: every entry is provided by the oldest supported
// server, KeyDB 6.3.4 (Redis 6.2's module API); Redis 7.0 and Valkey 8.0 provide them too. A
// server missing one refuses the module, and the log names the missing calls and the server's
// version. INSITU_REDIS_API_OPTIONAL lists newer calls, resolved at load with a fallback.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

#define REDISMODULE_OK 0
#define REDISMODULE_ERR 1
#define REDISMODULE_APIVER_1 1
#define REDISMODULE_TYPE_METHOD_VERSION 3

#define REDISMODULE_READ (1 << 0)
#define REDISMODULE_WRITE (1 << 1)

#define REDISMODULE_KEYTYPE_EMPTY 0
#define REDISMODULE_KEYTYPE_LIST 2
#define REDISMODULE_KEYTYPE_HASH 3
#define REDISMODULE_KEYTYPE_MODULE 6

#define REDISMODULE_HASH_CFIELDS (1 << 2)
#define REDISMODULE_HASH_EXISTS (1 << 3)

// Keyspace event classes (the `notify-keyspace-events` letters g $ l s h z x e t d).
#define REDISMODULE_NOTIFY_GENERIC (1 << 2)
#define REDISMODULE_NOTIFY_STRING (1 << 3)
#define REDISMODULE_NOTIFY_LIST (1 << 4)
#define REDISMODULE_NOTIFY_SET (1 << 5)
#define REDISMODULE_NOTIFY_HASH (1 << 6)
#define REDISMODULE_NOTIFY_ZSET (1 << 7)
#define REDISMODULE_NOTIFY_EXPIRED (1 << 8)
#define REDISMODULE_NOTIFY_EVICTED (1 << 9)
#define REDISMODULE_NOTIFY_STREAM (1 << 10)
#define REDISMODULE_NOTIFY_MODULE (1 << 13)

#define REDISMODULE_POSTPONED_LEN -1

#define REDISMODULE_CTX_FLAGS_MULTI (1 << 1)
#define REDISMODULE_CTX_FLAGS_LUA (1 << 0)
#define REDISMODULE_CTX_FLAGS_CLUSTER (1 << 5)
#define REDISMODULE_CTX_FLAGS_AOF (1 << 6)
#define REDISMODULE_CTX_FLAGS_MAXMEMORY (1 << 8)
#define REDISMODULE_CTX_FLAGS_LOADING (1 << 13)
#define REDISMODULE_CTX_FLAGS_DENY_BLOCKING (1 << 21)

#define REDISMODULE_ERRORMSG_WRONGTYPE \
    "WRONGTYPE Operation against a key holding the wrong kind of value"

typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleKey RedisModuleKey;
typedef struct RedisModuleString RedisModuleString;
typedef struct RedisModuleIO RedisModuleIO;
typedef struct RedisModuleType RedisModuleType;
typedef struct RedisModuleDigest RedisModuleDigest;
typedef struct RedisModuleInfoCtx RedisModuleInfoCtx;
typedef struct RedisModuleDefragCtx RedisModuleDefragCtx;
typedef struct RedisModuleCallReply RedisModuleCallReply;
typedef struct RedisModuleBlockedClient RedisModuleBlockedClient;
typedef struct RedisModuleCommand RedisModuleCommand;
typedef struct RedisModuleUser RedisModuleUser;
typedef struct RedisModuleServerInfoData RedisModuleServerInfoData;

// Server events (SubscribeToServerEvent): the client-change event and its version-1 data.
typedef struct RedisModuleEvent {
    uint64_t id;
    uint64_t dataver;
} RedisModuleEvent;
#define REDISMODULE_EVENT_CLIENT_CHANGE 4
#define REDISMODULE_SUBEVENT_CLIENT_CHANGE_DISCONNECTED 1
#define REDISMODULE_EVENT_REPLICATION_ROLE_CHANGED 0
#define REDISMODULE_EVENT_REPLICA_CHANGE 6
#define REDISMODULE_EVENT_FORK_CHILD 13
#define REDISMODULE_EVENT_CONFIG 16
#define REDISMODULE_SUBEVENT_FORK_CHILD_BORN 0
#define REDISMODULE_SUBEVENT_FORK_CHILD_DIED 1
typedef struct RedisModuleClientInfoV1 {
    uint64_t version;
    uint64_t flags;
    uint64_t id;
    char addr[46];
    uint16_t port;
    uint16_t db;
} RedisModuleClientInfoV1;
typedef void (*RedisModuleEventCallback)(RedisModuleCtx* ctx, RedisModuleEvent eid,
                                         uint64_t subevent, void* data);

typedef int (*RedisModuleCmdFunc)(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
typedef void* (*RedisModuleTypeLoadFunc)(RedisModuleIO* rdb, int encver);
typedef void (*RedisModuleTypeSaveFunc)(RedisModuleIO* rdb, void* value);
typedef void (*RedisModuleTypeRewriteFunc)(RedisModuleIO* aof, RedisModuleString* key, void* value);
typedef size_t (*RedisModuleTypeMemUsageFunc)(const void* value);
typedef void (*RedisModuleTypeDigestFunc)(RedisModuleDigest* digest, void* value);
typedef void (*RedisModuleTypeFreeFunc)(void* value);
typedef int (*RedisModuleTypeAuxLoadFunc)(RedisModuleIO* rdb, int encver, int when);
typedef void (*RedisModuleTypeAuxSaveFunc)(RedisModuleIO* rdb, int when);
typedef size_t (*RedisModuleTypeFreeEffortFunc)(RedisModuleString* key, const void* value);
typedef void (*RedisModuleTypeUnlinkFunc)(RedisModuleString* key, const void* value);
typedef void* (*RedisModuleTypeCopyFunc)(RedisModuleString* fromkey, RedisModuleString* tokey,
                                         const void* value);
typedef int (*RedisModuleTypeDefragFunc)(RedisModuleDefragCtx* ctx, RedisModuleString* key,
                                         void** value);
typedef void (*RedisModuleInfoFunc)(RedisModuleInfoCtx* ctx, int for_crash_report);
typedef void (*RedisModuleBlockedFreeFunc)(RedisModuleCtx* ctx, void* privdata);
typedef void (*RedisModuleDisconnectFunc)(RedisModuleCtx* ctx, RedisModuleBlockedClient* bc);
typedef int (*RedisModuleNotificationFunc)(RedisModuleCtx* ctx, int type, const char* event,
                                           RedisModuleString* key);
typedef uint64_t RedisModuleTimerID;
typedef void (*RedisModuleTimerProc)(RedisModuleCtx* ctx, void* data);

// Layout of version 3 of the type-methods struct (fields after `version` are read per version).
typedef struct RedisModuleTypeMethods {
    uint64_t version;
    RedisModuleTypeLoadFunc rdb_load;
    RedisModuleTypeSaveFunc rdb_save;
    RedisModuleTypeRewriteFunc aof_rewrite;
    RedisModuleTypeMemUsageFunc mem_usage;
    RedisModuleTypeDigestFunc digest;
    RedisModuleTypeFreeFunc free;
    RedisModuleTypeAuxLoadFunc aux_load;
    RedisModuleTypeAuxSaveFunc aux_save;
    int aux_save_triggers;
    RedisModuleTypeFreeEffortFunc free_effort;
    RedisModuleTypeUnlinkFunc unlink;
    RedisModuleTypeCopyFunc copy;
    RedisModuleTypeDefragFunc defrag;
} RedisModuleTypeMethods;

// Key-spec flags (Redis 7.0+): what a command does with a key, for ACL `%R~` / `%W~` selectors.
#define REDISMODULE_CMD_KEY_RO (1ULL << 0)
#define REDISMODULE_CMD_KEY_RW (1ULL << 1)
#define REDISMODULE_CMD_KEY_OW (1ULL << 2)
#define REDISMODULE_CMD_KEY_RM (1ULL << 3)
#define REDISMODULE_CMD_KEY_ACCESS (1ULL << 4)
#define REDISMODULE_CMD_KEY_UPDATE (1ULL << 5)
#define REDISMODULE_CMD_KEY_INSERT (1ULL << 6)
#define REDISMODULE_CMD_KEY_DELETE (1ULL << 7)

// Version 1 of the command-info structs of RedisModule_SetCommandInfo (Redis 7.0+). insitu
// passes key specs only (no history, no args).
typedef enum {
    REDISMODULE_KSPEC_BS_INVALID = 0,
    REDISMODULE_KSPEC_BS_UNKNOWN,
    REDISMODULE_KSPEC_BS_INDEX,
    REDISMODULE_KSPEC_BS_KEYWORD
} RedisModuleKeySpecBeginSearchType;

typedef enum {
    REDISMODULE_KSPEC_FK_OMITTED = 0,
    REDISMODULE_KSPEC_FK_UNKNOWN,
    REDISMODULE_KSPEC_FK_RANGE,
    REDISMODULE_KSPEC_FK_KEYNUM
} RedisModuleKeySpecFindKeysType;

typedef struct RedisModuleCommandKeySpec {
    const char* notes;
    uint64_t flags;
    RedisModuleKeySpecBeginSearchType begin_search_type;
    union {
        struct {
            int pos;
        } index;
        struct {
            const char* keyword;
            int startfrom;
        } keyword;
    } bs;
    RedisModuleKeySpecFindKeysType find_keys_type;
    union {
        struct {
            int lastkey;
            int keystep;
            int limit;
        } range;
        struct {
            int keynumidx;
            int firstkey;
            int keystep;
        } keynum;
    } fk;
} RedisModuleCommandKeySpec;

typedef struct RedisModuleCommandHistoryEntry {
    const char* since;
    const char* changes;
} RedisModuleCommandHistoryEntry;

typedef struct RedisModuleCommandInfoVersion {
    int version;
    size_t sizeof_historyentry;
    size_t sizeof_keyspec;
    size_t sizeof_arg;  // insitu passes no args
} RedisModuleCommandInfoVersion;

typedef struct RedisModuleCommandInfo {
    const RedisModuleCommandInfoVersion* version;
    const char* summary;
    const char* complexity;
    const char* since;
    RedisModuleCommandHistoryEntry* history;
    const char* tips;
    int arity;                             // 0: unchanged
    RedisModuleCommandKeySpec* key_specs;  // ends with a zeroed entry
    void* args;
} RedisModuleCommandInfo;

#define INSITU_REDIS_API(X)                                                                        \
    X(int, CreateCommand,                                                                          \
      (RedisModuleCtx * ctx, const char* name, RedisModuleCmdFunc f, const char* flags, int first, \
       int last, int step))                                                                        \
    X(void, SetModuleAttribs, (RedisModuleCtx * ctx, const char* name, int ver, int apiver))       \
    X(int, IsModuleNameBusy, (const char* name))                                                   \
    X(int, WrongArity, (RedisModuleCtx * ctx))                                                     \
    X(int, ReplyWithLongLong, (RedisModuleCtx * ctx, long long ll))                                \
    X(int, ReplyWithError, (RedisModuleCtx * ctx, const char* err))                                \
    X(int, ReplyWithSimpleString, (RedisModuleCtx * ctx, const char* msg))                         \
    X(int, ReplyWithArray, (RedisModuleCtx * ctx, long len))                                       \
    X(void, ReplySetArrayLength, (RedisModuleCtx * ctx, long len))                                 \
    X(int, ReplyWithStringBuffer, (RedisModuleCtx * ctx, const char* buf, size_t len))             \
    X(int, ReplyWithCString, (RedisModuleCtx * ctx, const char* buf))                              \
    X(int, ReplyWithString, (RedisModuleCtx * ctx, RedisModuleString * str))                       \
    X(int, ReplyWithNull, (RedisModuleCtx * ctx))                                                  \
    X(int, ReplyWithDouble, (RedisModuleCtx * ctx, double d))                                      \
    X(void*, OpenKey, (RedisModuleCtx * ctx, RedisModuleString * keyname, int mode))               \
    X(void, CloseKey, (RedisModuleKey * kp))                                                       \
    X(int, KeyType, (RedisModuleKey * kp))                                                         \
    X(int, DeleteKey, (RedisModuleKey * key))                                                      \
    X(RedisModuleString*, CreateString, (RedisModuleCtx * ctx, const char* ptr, size_t len))       \
    X(RedisModuleString*, CreateStringFromLongLong, (RedisModuleCtx * ctx, long long ll))          \
    X(void, FreeString, (RedisModuleCtx * ctx, RedisModuleString * str))                           \
    X(void, RetainString, (RedisModuleCtx * ctx, RedisModuleString * str))                         \
    X(const char*, StringPtrLen, (const RedisModuleString* str, size_t* len))                      \
    X(int, ReplicateVerbatim, (RedisModuleCtx * ctx))                                              \
    X(int, GetContextFlags, (RedisModuleCtx * ctx))                                                \
    X(void*, Alloc, (size_t bytes))                                                                \
    X(void*, Calloc, (size_t nmemb, size_t size))                                                  \
    X(void*, Realloc, (void* ptr, size_t bytes))                                                   \
    X(void, Free, (void* ptr))                                                                     \
    X(RedisModuleType*, CreateDataType,                                                            \
      (RedisModuleCtx * ctx, const char* name, int encver, RedisModuleTypeMethods* methods))       \
    X(int, ModuleTypeSetValue, (RedisModuleKey * key, RedisModuleType * mt, void* value))          \
    X(RedisModuleType*, ModuleTypeGetType, (RedisModuleKey * key))                                 \
    X(void*, ModuleTypeGetValue, (RedisModuleKey * key))                                           \
    X(void, SaveUnsigned, (RedisModuleIO * io, uint64_t value))                                    \
    X(uint64_t, LoadUnsigned, (RedisModuleIO * io))                                                \
    X(void, SaveStringBuffer, (RedisModuleIO * io, const char* str, size_t len))                   \
    X(RedisModuleString*, LoadString, (RedisModuleIO * io))                                        \
    X(int, IsIOError, (RedisModuleIO * io))                                                        \
    X(void, EmitAOF, (RedisModuleIO * io, const char* cmdname, const char* fmt, ...))              \
    X(void, DigestAddStringBuffer, (RedisModuleDigest * md, const char* ele, size_t len))          \
    X(void, DigestAddLongLong, (RedisModuleDigest * md, long long ele))                            \
    X(void, DigestEndSequence, (RedisModuleDigest * md))                                           \
    X(void, Log, (RedisModuleCtx * ctx, const char* level, const char* fmt, ...))                  \
    X(void, LogIOError, (RedisModuleIO * io, const char* level, const char* fmt, ...))             \
    X(int, RegisterInfoFunc, (RedisModuleCtx * ctx, RedisModuleInfoFunc cb))                       \
    X(int, InfoAddSection, (RedisModuleInfoCtx * ctx, const char* name))                           \
    X(int, InfoAddFieldCString, (RedisModuleInfoCtx * ctx, const char* field, const char* value))  \
    X(int, InfoAddFieldLongLong, (RedisModuleInfoCtx * ctx, const char* field, long long value))   \
    X(int, InfoAddFieldDouble, (RedisModuleInfoCtx * ctx, const char* field, double value))        \
    X(RedisModuleBlockedClient*, BlockClient,                                                      \
      (RedisModuleCtx * ctx, RedisModuleCmdFunc reply_callback,                                    \
       RedisModuleCmdFunc timeout_callback, RedisModuleBlockedFreeFunc free_privdata,              \
       long long timeout_ms))                                                                      \
    X(int, UnblockClient, (RedisModuleBlockedClient * bc, void* privdata))                         \
    X(void*, GetBlockedClientPrivateData, (RedisModuleCtx * ctx))                                  \
    X(int, AbortBlock, (RedisModuleBlockedClient * bc))                                            \
    X(RedisModuleCtx*, GetThreadSafeContext, (RedisModuleBlockedClient * bc))                      \
    X(void, FreeThreadSafeContext, (RedisModuleCtx * ctx))                                         \
    X(void, ThreadSafeContextLock, (RedisModuleCtx * ctx))                                         \
    X(void, ThreadSafeContextUnlock, (RedisModuleCtx * ctx))                                       \
    X(RedisModuleCallReply*, Call, (RedisModuleCtx * ctx, const char* cmd, const char* fmt, ...))  \
    X(const char*, CallReplyProto, (RedisModuleCallReply * reply, size_t * len))                   \
    X(void, FreeCallReply, (RedisModuleCallReply * reply))                                         \
    X(int, IsKeysPositionRequest, (RedisModuleCtx * ctx))                                          \
    X(void, KeyAtPos, (RedisModuleCtx * ctx, int pos))                                             \
    X(int, Replicate, (RedisModuleCtx * ctx, const char* cmdname, const char* fmt, ...))           \
    X(const RedisModuleString*, GetKeyNameFromIO, (RedisModuleIO * io))                            \
    X(void, SaveSigned, (RedisModuleIO * io, int64_t value))                                       \
    X(int64_t, LoadSigned, (RedisModuleIO * io))                                                   \
    X(char*, LoadStringBuffer, (RedisModuleIO * io, size_t * lenptr))

// X(ret, name, args, since, fallback, effect): `fallback` is what the pointer is set to when the
// server lacks the call (nullptr: callers test the pointer and take another path); `effect` is
// logged at load.
#define INSITU_REDIS_API_OPTIONAL(X)                                                               \
    X(int, ReplyWithBigNumber, (RedisModuleCtx * ctx, const char* bignum, size_t len), "7.0",      \
      insitu_reply_big_number_as_bulk,                                                             \
      "UINT64 values above 2^63-1 reply as bulk strings of their decimal digits")                  \
    X(void, TrimStringAllocation, (RedisModuleString * str), "7.0", nullptr,                       \
      "retained BLOB arguments are copied")                                                        \
    X(int, GetServerVersion, (), "6.0.9", nullptr, "the server version is unknown")                \
    X(void, KeyAtPosWithFlags, (RedisModuleCtx * ctx, int pos, int flags), "7.0", nullptr,         \
      "keys are reported without read/write flags (ACL %R~/%W~ see them as read-write)")           \
    X(RedisModuleCommand*, GetCommand, (RedisModuleCtx * ctx, const char* name), "7.0", nullptr,   \
      "no key specs (ACL %R~/%W~ see the keys of AI.TENSORGET and the like as read-write)")        \
    X(int, SetCommandInfo, (RedisModuleCommand * command, const RedisModuleCommandInfo* info),     \
      "7.0", nullptr, "no key specs")                                                              \
    X(RedisModuleString*, GetCurrentUserName, (RedisModuleCtx * ctx), "7.0", nullptr,              \
      "in a cluster, ACL key patterns are not applied to shard-local model and script keys")       \
    X(RedisModuleUser*, GetModuleUserFromUserName, (RedisModuleString * name), "7.0", nullptr,     \
      "see GetCurrentUserName")                                                                    \
    X(int, ACLCheckKeyPermissions, (RedisModuleUser * user, RedisModuleString * key, int flags),   \
      "7.0", nullptr, "see GetCurrentUserName")                                                    \
    X(void, FreeModuleUser, (RedisModuleUser * user), "7.0", nullptr, "see GetCurrentUserName")    \
    X(int, NotifyKeyspaceEvent,                                                                    \
      (RedisModuleCtx * ctx, int type, const char* event, RedisModuleString* key), "4.0", nullptr, \
      "AI.* writes fire no keyspace events; AI._WAIT is unavailable (clients poll)")               \
    X(int, SubscribeToKeyspaceEvents,                                                              \
      (RedisModuleCtx * ctx, int types, RedisModuleNotificationFunc cb), "4.0", nullptr,           \
      "AI._WAIT is unavailable (clients poll)")                                                    \
    X(int, GetSelectedDb, (RedisModuleCtx * ctx), "4.0", nullptr,                                  \
      "AI._WAIT is unavailable (clients poll)")                                                    \
    X(size_t, ValueLength, (RedisModuleKey * key), "4.0", nullptr,                                 \
      "AI._WAIT is unavailable (clients poll)")                                                    \
    X(int, HashGet, (RedisModuleKey * key, int flags, ...), "4.0", nullptr,                        \
      "AI._WAIT is unavailable (clients poll)")                                                    \
    X(RedisModuleBlockedClient*, GetBlockedClientHandle, (RedisModuleCtx * ctx), "5.0", nullptr,   \
      "AI._WAIT is unavailable (clients poll)")                                                    \
    X(void, SetDisconnectCallback, (RedisModuleBlockedClient * bc, RedisModuleDisconnectFunc cb),  \
      "5.0", nullptr, "AI._WAIT is unavailable (clients poll)")                                    \
    X(unsigned long long, GetClientId, (RedisModuleCtx * ctx), "5.0", nullptr,                     \
      "no shared-memory tensor path (clients use the socket)")                                     \
    X(int, SubscribeToServerEvent,                                                                 \
      (RedisModuleCtx * ctx, RedisModuleEvent event, RedisModuleEventCallback cb), "6.0", nullptr, \
      "no shared-memory tensor path (clients use the socket)")                                     \
    X(RedisModuleServerInfoData*, GetServerInfo, (RedisModuleCtx * ctx, const char* section),      \
      "6.0", nullptr, "shared-memory puts are always replicated as BLOB")                          \
    X(void, FreeServerInfo, (RedisModuleCtx * ctx, RedisModuleServerInfoData * data), "6.0",       \
      nullptr, "shared-memory puts are always replicated as BLOB")                                 \
    X(long long, ServerInfoGetFieldSigned,                                                         \
      (RedisModuleServerInfoData * data, const char* field, int* out_err), "6.0", nullptr,         \
      "shared-memory puts are always replicated as BLOB")                                          \
    X(RedisModuleTimerID, CreateTimer,                                                             \
      (RedisModuleCtx * ctx, long long period_ms, RedisModuleTimerProc cb, void* data), "5.0",     \
      nullptr,                                                                                     \
      "without jemalloc's background thread, retained large blocks are purged only as "            \
      "large allocations go on")

#define INSITU_DECLARE_API(ret, name, args) extern ret(*RedisModule_##name) args;
INSITU_REDIS_API(INSITU_DECLARE_API)
#undef INSITU_DECLARE_API
#define INSITU_DECLARE_OPTIONAL_API(ret, name, args, since, fallback, effect) \
    extern ret(*RedisModule_##name) args;
INSITU_REDIS_API_OPTIONAL(INSITU_DECLARE_OPTIONAL_API)
#undef INSITU_DECLARE_OPTIONAL_API

// The fallback for RedisModule_ReplyWithBigNumber: the bytes Redis 7 itself sends a RESP2 client
// (a bulk string of the digits), which RESP2 clients read as they read Redis 7's reply.
int insitu_reply_big_number_as_bulk(RedisModuleCtx* ctx, const char* bignum, size_t len);

}  // extern "C"

namespace insitu::module {
// Resolves every API pointer (optional ones to their fallback when the server lacks them), logs
// what is missing, and registers the module name. Returns REDISMODULE_OK or _ERR.
int init_redis_api(RedisModuleCtx* ctx, const char* name, int version);
}  // namespace insitu::module
