// The client's one table of server error replies: the texts a real server sends for a missing
// tensor, model, script or key, and for AI.INFO of nothing, map to their kinds; the cluster
// redirections and transient states are recognised by their prefixes only.
#include <gtest/gtest.h>

#include "client/server_errors.h"
#include "redis_server.h"

using insitu::client::classify_error;
using insitu::client::ServerError;
using insitu::testing::RedisServer;

TEST(ServerErrors, RealMissingKeyRepliesAreMissingKey) {
    RedisServer s;
    auto c = s.connect();
    for (std::vector<std::string> cmd : {std::vector<std::string>{"AI.TENSORGET", "nope", "META"},
                                         {"AI.MODELGET", "nope", "META"},
                                         {"AI.SCRIPTGET", "nope", "META"},
                                         {"AI.MODELDEL", "nope"},
                                         {"RENAME", "nope", "other"}}) {
        auto r = c->command(cmd);
        ASSERT_TRUE(r.is_error()) << cmd[0];
        EXPECT_EQ(classify_error(r.str), ServerError::missing_key) << cmd[0] << ": " << r.str;
    }
    auto info = c->command({"AI.INFO", "nope"});
    ASSERT_TRUE(info.is_error());
    EXPECT_EQ(classify_error(info.str), ServerError::no_run_info) << info.str;
    auto wrong = c->command({"AI.TENSORSET", "t", "FLOAT", "2", "BLOB", "abc"});
    ASSERT_TRUE(wrong.is_error());
    EXPECT_EQ(classify_error(wrong.str), ServerError::other) << wrong.str;
}

TEST(ServerErrors, ClusterRepliesByPrefix) {
    EXPECT_EQ(classify_error("MOVED 3999 127.0.0.1:6381"), ServerError::moved);
    EXPECT_EQ(classify_error("ASK 3999 127.0.0.1:6381"), ServerError::ask);
    EXPECT_EQ(classify_error("CROSSSLOT Keys in request don't hash to the same slot"),
              ServerError::cross_slot);
    EXPECT_EQ(classify_error("TRYAGAIN Multiple keys request during rehashing of slot"),
              ServerError::try_again);
    EXPECT_EQ(classify_error("CLUSTERDOWN The cluster is down"), ServerError::cluster_down);
    EXPECT_EQ(classify_error("LOADING Redis is loading the dataset in memory"),
              ServerError::loading);
    EXPECT_EQ(classify_error("ERR Protocol error: invalid bulk length"),
              ServerError::bulk_too_long);
    // A prefix only counts at the start: a message that mentions MOVED is not a redirection.
    EXPECT_EQ(classify_error("ERR the tensor MOVED away"), ServerError::other);
    EXPECT_TRUE(insitu::client::is_transient(ServerError::loading));
    EXPECT_FALSE(insitu::client::is_transient(ServerError::moved));
}

TEST(ServerErrors, RealAuthenticationRepliesAreClassified) {
    RedisServer::Options o;
    o.password = "classify-pw";
    o.acl_users = {"limited on >limited-pw ~* -@all +auth +ping"};
    RedisServer s(o);
    insitu::testing::RawConnection c(s.port());
    auto noauth = c.command({"PING"});
    ASSERT_TRUE(noauth.is_error());
    EXPECT_EQ(classify_error(noauth.str), ServerError::no_auth) << noauth.str;
    auto wrong = c.command({"AUTH", "nope"});
    ASSERT_TRUE(wrong.is_error());
    EXPECT_EQ(classify_error(wrong.str), ServerError::auth_failed) << wrong.str;
    ASSERT_TRUE(c.command({"AUTH", "limited", "limited-pw"}).is_status("OK"));
    auto noperm = c.command({"FLUSHALL"});
    ASSERT_TRUE(noperm.is_error());
    EXPECT_EQ(classify_error(noperm.str), ServerError::no_perm) << noperm.str;
    EXPECT_TRUE(insitu::client::is_auth_refusal(ServerError::no_perm));
    EXPECT_FALSE(insitu::client::is_transient(ServerError::auth_failed));

    RedisServer open_server;  // no password: AUTH <password> is answered with an error
    auto unneeded = open_server.connect()->command({"AUTH", "whatever"});
    ASSERT_TRUE(unneeded.is_error());
    EXPECT_EQ(classify_error(unneeded.str), ServerError::auth_not_set) << unneeded.str;
    EXPECT_FALSE(insitu::client::is_auth_refusal(ServerError::auth_not_set));
}
