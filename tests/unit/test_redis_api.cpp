// Load-time resolution of the Redis Modules API (src/module/redis_api): what a server that lacks a
// call gets. The server side here is a GetApi over a table of names, as a server's own is; the
// real servers (KeyDB 6.3.4 lacks ReplyWithBigNumber) are exercised by the `servers` label.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "module/redis_api/redis_module_api.h"

namespace {

struct FakeServer {
    std::set<std::string> absent;
    int version = 0x060304;  // KeyDB 6.3.4
    bool name_busy = false;
    std::vector<std::pair<std::string, std::string>> log;  // level, message
    std::string bulk;                                      // last ReplyWithStringBuffer
    int big_number_calls = 0;
    int attribs_calls = 0;
};
FakeServer* server = nullptr;

void fake_log(RedisModuleCtx*, const char* level, const char* fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    server->log.emplace_back(level, buf);
}
int fake_reply_buffer(RedisModuleCtx*, const char* buf, size_t len) {
    server->bulk.assign(buf, len);
    return REDISMODULE_OK;
}
int fake_reply_big_number(RedisModuleCtx*, const char*, size_t) {
    ++server->big_number_calls;
    return REDISMODULE_OK;
}
int fake_server_version() {
    return server->version;
}
int fake_name_busy(const char*) {
    return server->name_busy ? 1 : 0;
}
void fake_set_attribs(RedisModuleCtx*, const char*, int, int) {
    ++server->attribs_calls;
}
void never_called() {
    ADD_FAILURE() << "an API the resolver should not call was called";
}

std::map<std::string, void*> full_table() {
    std::map<std::string, void*> t;
#define INSITU_FAKE_API(ret, name, args) \
    t["RedisModule_" #name] = reinterpret_cast<void*>(&never_called);
    INSITU_REDIS_API(INSITU_FAKE_API)
#undef INSITU_FAKE_API
#define INSITU_FAKE_OPTIONAL_API(ret, name, args, since, fallback, effect) \
    t["RedisModule_" #name] = reinterpret_cast<void*>(&never_called);
    INSITU_REDIS_API_OPTIONAL(INSITU_FAKE_OPTIONAL_API)
#undef INSITU_FAKE_OPTIONAL_API
    t["RedisModule_Log"] = reinterpret_cast<void*>(&fake_log);
    t["RedisModule_ReplyWithStringBuffer"] = reinterpret_cast<void*>(&fake_reply_buffer);
    t["RedisModule_ReplyWithBigNumber"] = reinterpret_cast<void*>(&fake_reply_big_number);
    t["RedisModule_GetServerVersion"] = reinterpret_cast<void*>(&fake_server_version);
    t["RedisModule_IsModuleNameBusy"] = reinterpret_cast<void*>(&fake_name_busy);
    t["RedisModule_SetModuleAttribs"] = reinterpret_cast<void*>(&fake_set_attribs);
    return t;
}

// The server's GetApi: fills *target and returns 0, or returns 1 for a name it lacks.
int fake_get_api(const char* name, void* target) {
    static const std::map<std::string, void*> table = full_table();
    auto it = table.find(name);
    if (it == table.end() || server->absent.count(name)) return REDISMODULE_ERR;
    *static_cast<void**>(target) = it->second;
    return REDISMODULE_OK;
}

class RedisApi : public ::testing::Test {
  protected:
    void SetUp() override { server = &fake; }
    void TearDown() override { server = nullptr; }
    int load() {
        // A module context's first word is the server's GetApi.
        void* ctx_words[1] = {reinterpret_cast<void*>(&fake_get_api)};
        return insitu::module::init_redis_api(reinterpret_cast<RedisModuleCtx*>(ctx_words), "ai",
                                              1);
    }
    std::string all_log() const {
        std::string s;
        for (const auto& [level, msg] : fake.log) s += level + ": " + msg + "\n";
        return s;
    }
    FakeServer fake;
};

TEST_F(RedisApi, EveryCallPresentLoadsWithoutFallbacksOrLog) {
    ASSERT_EQ(load(), REDISMODULE_OK) << all_log();
    EXPECT_TRUE(fake.log.empty()) << all_log();
    EXPECT_EQ(fake.attribs_calls, 1);
    RedisModule_ReplyWithBigNumber(nullptr, "18446744073709551615", 20);
    EXPECT_EQ(fake.big_number_calls, 1);
    EXPECT_TRUE(fake.bulk.empty());
    EXPECT_NE(RedisModule_TrimStringAllocation, nullptr);
}

TEST_F(RedisApi, MissingBigNumberFallsBackToABulkStringOfTheDigits) {
    // KeyDB 6.3.4's table: no ReplyWithBigNumber, no TrimStringAllocation.
    fake.absent = {"RedisModule_ReplyWithBigNumber", "RedisModule_TrimStringAllocation"};
    ASSERT_EQ(load(), REDISMODULE_OK) << all_log();
    EXPECT_EQ(fake.attribs_calls, 1);
    ASSERT_NE(RedisModule_ReplyWithBigNumber, nullptr);
    EXPECT_EQ(RedisModule_ReplyWithBigNumber(nullptr, "18446744073709551615", 20), REDISMODULE_OK);
    EXPECT_EQ(fake.bulk, "18446744073709551615");
    EXPECT_EQ(fake.big_number_calls, 0);
    EXPECT_EQ(RedisModule_TrimStringAllocation, nullptr);  // callers copy instead
    ASSERT_EQ(fake.log.size(), 1u) << all_log();
    EXPECT_EQ(fake.log[0].first, "notice");
    EXPECT_NE(fake.log[0].second.find("6.3.4"), std::string::npos) << all_log();
    EXPECT_NE(fake.log[0].second.find("RedisModule_ReplyWithBigNumber"), std::string::npos);
    EXPECT_NE(fake.log[0].second.find("RedisModule_TrimStringAllocation"), std::string::npos);
}

TEST_F(RedisApi, MissingWaitCallsStillLoadAndAreNamed) {
    // A server older than Redis 5.0's blocked-client calls: the module loads, AI._WAIT's calls
    // stay null (the command then answers "unavailable" and clients poll).
    fake.absent = {"RedisModule_SetDisconnectCallback", "RedisModule_GetBlockedClientHandle"};
    ASSERT_EQ(load(), REDISMODULE_OK) << all_log();
    EXPECT_EQ(RedisModule_SetDisconnectCallback, nullptr);
    EXPECT_EQ(RedisModule_GetBlockedClientHandle, nullptr);
    EXPECT_NE(RedisModule_SubscribeToKeyspaceEvents, nullptr);
    ASSERT_EQ(fake.log.size(), 1u) << all_log();
    EXPECT_NE(fake.log[0].second.find("RedisModule_SetDisconnectCallback"), std::string::npos);
    EXPECT_NE(fake.log[0].second.find("AI._WAIT is unavailable"), std::string::npos) << all_log();
}

TEST_F(RedisApi, MissingRequiredCallsAreNamedWithTheServerVersion) {
    fake.absent = {"RedisModule_CreateCommand", "RedisModule_Call"};
    EXPECT_EQ(load(), REDISMODULE_ERR);
    EXPECT_EQ(fake.attribs_calls, 0);
    ASSERT_EQ(fake.log.size(), 1u) << all_log();
    EXPECT_EQ(fake.log[0].first, "warning");
    const std::string& msg = fake.log[0].second;
    EXPECT_NE(msg.find("RedisModule_CreateCommand"), std::string::npos) << msg;
    EXPECT_NE(msg.find("RedisModule_Call"), std::string::npos) << msg;
    EXPECT_NE(msg.find("version 6.3.4"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("RedisModule_Log"), std::string::npos) << msg;
}

TEST_F(RedisApi, MissingRequiredCallWithoutGetServerVersionSaysTheVersionIsUnknown) {
    fake.absent = {"RedisModule_BlockClient", "RedisModule_GetServerVersion"};
    EXPECT_EQ(load(), REDISMODULE_ERR);
    ASSERT_EQ(fake.log.size(), 1u) << all_log();
    EXPECT_NE(fake.log[0].second.find("RedisModule_BlockClient"), std::string::npos);
    EXPECT_NE(fake.log[0].second.find("version unknown"), std::string::npos) << all_log();
}

TEST_F(RedisApi, MissingGetServerVersionAloneStillLoads) {
    fake.absent = {"RedisModule_GetServerVersion"};
    ASSERT_EQ(load(), REDISMODULE_OK) << all_log();
    EXPECT_EQ(RedisModule_GetServerVersion, nullptr);
    ASSERT_EQ(fake.log.size(), 1u) << all_log();
    EXPECT_NE(fake.log[0].second.find("unknown"), std::string::npos);
}

TEST_F(RedisApi, ABusyModuleNameIsLogged) {
    fake.name_busy = true;
    EXPECT_EQ(load(), REDISMODULE_ERR);
    ASSERT_EQ(fake.log.size(), 1u) << all_log();
    EXPECT_NE(fake.log[0].second.find("'ai' is already loaded"), std::string::npos) << all_log();
    EXPECT_EQ(fake.attribs_calls, 0);
}

}  // namespace
