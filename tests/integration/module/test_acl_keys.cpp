// ACL key patterns on every AI.* command, against real redis-servers with real ACL users: each
// command reports exactly its keys (the model or script, every tensor it reads or writes, a
// script's KEYS, a DAG's LOAD / PERSIST / ROUTING and the model or script of its ops; never
// ARGS or DAG-local tensor names), with read/write flags for `%R~` / `%W~` selectors, and a
// refused call writes nothing.
#include <gtest/gtest.h>

#include <set>

#include "core/hash_slot.h"
#include "redis_server.h"

using insitu::Reply;
using insitu::testing::RawConnection;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

const std::string k_admin_pw = "admin-pw";
const std::string k_script = "def f(t, k, a): ...\ndef sum(t, k, a): ...\n";

RedisServer::Options acl_options(std::vector<std::string> users) {
    RedisServer::Options o;
    o.module_args = {"TORCH", INSITU_TEST_BACKEND};
    o.password = k_admin_pw;
    o.acl_users = std::move(users);
    return o;
}

std::unique_ptr<RawConnection> connect_as(const RedisServer& s, const std::string& user,
                                          const std::string& pw) {
    auto c = std::make_unique<RawConnection>(s.port());
    Reply r = c->command({"AUTH", user, pw});
    EXPECT_TRUE(r.is_status("OK")) << r.str;
    return c;
}

// ACL DRYRUN and key-spec flags are Redis 7.0+ (and Valkey); KeyDB 6.3 has neither.
bool has_dryrun() {
    return insitu::testing::redis_server_major_version() >= 7;
}

std::string denied(const std::string& key) {
    return "no permissions to access the '" + key + "' key";
}

// A command with the argv indices of its keys and of some arguments that are not keys.
struct Case {
    std::vector<std::string> args;
    std::vector<std::size_t> keys;
    std::vector<std::size_t> not_keys;
};

// Every key named under the pattern `allowed:*`.
std::vector<Case> all_commands() {
    const std::string m = "allowed:m", s = "allowed:s", a = "allowed:a", b = "allowed:b",
                      c = "allowed:c", d = "allowed:d", k = "allowed:k", r = "allowed:r";
    return {
        {{"AI.TENSORSET", a, "FLOAT", "1", "VALUES", "1"}, {1}, {}},
        {{"AI.TENSORGET", a, "META"}, {1}, {}},
        {{"AI.MODELSTORE", m, "TORCH", "CPU", "BLOB", "fake:double"}, {1}, {}},
        {{"AI.MODELSET", m, "TORCH", "CPU", "BLOB", "fake:double"}, {1}, {}},
        {{"AI.MODELGET", m, "META"}, {1}, {}},
        {{"AI.MODELDEL", m}, {1}, {}},
        {{"AI.MODELEXECUTE", m, "INPUTS", "2", a, b, "OUTPUTS", "1", c, "TIMEOUT", "1000"},
         {1, 4, 5, 8},
         {}},
        {{"AI.MODELRUN", m, "INPUTS", a, b, "OUTPUTS", c}, {1, 3, 4, 6}, {}},
        {{"AI.SCRIPTSTORE", s, "CPU", "ENTRY_POINTS", "1", "f", "SOURCE", k_script}, {1}, {5}},
        {{"AI.SCRIPTSET", s, "CPU", "SOURCE", k_script}, {1}, {}},
        {{"AI.SCRIPTGET", s}, {1}, {}},
        {{"AI.SCRIPTDEL", s}, {1}, {}},
        {{"AI.SCRIPTEXECUTE", s, "f", "KEYS", "1", k, "INPUTS", "2", a, b, "ARGS", "2", "x", "y",
          "OUTPUTS", "1", c},
         {1, 5, 8, 9, 16},
         {2, 12, 13}},
        {{"AI.SCRIPTRUN", s, "f", "INPUTS", a, "$", b, "OUTPUTS", c}, {1, 4, 6, 8}, {2}},
        {{"AI.DAGEXECUTE",
          "LOAD",
          "1",
          a,
          "PERSIST",
          "1",
          c,
          "|>",
          "AI.MODELEXECUTE",
          m,
          "INPUTS",
          "1",
          a,
          "OUTPUTS",
          "1",
          "t",
          "|>",
          "AI.SCRIPTEXECUTE",
          s,
          "sum",
          "INPUTS",
          "1",
          "t",
          "OUTPUTS",
          "1",
          c},
         {3, 6, 9, 18},
         {12, 15, 22, 25}},
        {{"AI.DAGEXECUTE",
          "ROUTING",
          r,
          "|>",
          "AI.TENSORSET",
          "t",
          "FLOAT",
          "1",
          "VALUES",
          "1",
          "|>",
          "AI.MODELEXECUTE",
          m,
          "INPUTS",
          "1",
          "t",
          "OUTPUTS",
          "2",
          "u",
          "v",
          "|>",
          "AI.TENSORGET",
          "u",
          "VALUES"},
         {2, 12},
         {5, 15, 18, 19, 22}},
        {{"AI.DAGEXECUTE_RO", "LOAD", "1", a, "|>", "AI.MODELEXECUTE", m, "INPUTS", "1", a,
          "OUTPUTS", "1", "t", "|>", "AI.TENSORGET", "t", "BLOB"},
         {3, 6},
         {9, 12, 15}},
        {{"AI.DAGRUN",
          "LOAD",
          "1",
          a,
          "PERSIST",
          "1",
          d,
          "|>",
          "AI.MODELRUN",
          m,
          "INPUTS",
          a,
          "OUTPUTS",
          c,
          "|>",
          "AI.SCRIPTRUN",
          s,
          "sum",
          "INPUTS",
          c,
          "OUTPUTS",
          d},
         {3, 6, 9, 16},
         {11, 13, 19, 21}},
        {{"AI.DAGRUN_RO", "LOAD", "1", a, "|>", "AI.MODELRUN", m, "INPUTS", a, "OUTPUTS", "t"},
         {3, 6},
         {8, 10}},
        {{"AI.INFO", m}, {1}, {}},
        {{"AI.INFO", m, "RESETSTAT"}, {1}, {}},
        {{"AI.CONFIG", "MODEL_CHUNK_SIZE", "1024"}, {}, {}},
        {{"AI._MODELSCAN"}, {}, {}},
        {{"AI._SHM"}, {}, {}},
        {{"AI._SHMALLOC", "4096"}, {}, {}},
        {{"AI._SCRIPTSCAN"}, {}, {}},
        {{"AI._WAIT", a, "EXISTS", "0"}, {1}, {2, 3}},
        {{"AI._WAIT", a, "LLEN_GTE", "1", "0"}, {1}, {2, 3, 4}},
    };
}

std::string joined(const std::vector<std::string>& a) {
    std::string s;
    for (const auto& x : a) s += (s.empty() ? "" : " ") + x.substr(0, 20);
    return s;
}

class AclKeys : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::vector<std::string> users = {"lim on >lim-pw ~allowed:* +@all"};
        if (has_dryrun()) users.push_back("reader on >reader-pw %R~* +@all");
        server_ = new RedisServer(acl_options(users));
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        admin_ = server_->connect();
        ASSERT_TRUE(admin_->command({"FLUSHALL"}).is_status("OK"));
    }
    Reply dryrun(const std::string& user, const std::vector<std::string>& args) {
        std::vector<std::string> a = {"ACL", "DRYRUN", user};
        a.insert(a.end(), args.begin(), args.end());
        return admin_->command(a);
    }
    void ok(RawConnection& c, const std::vector<std::string>& a) {
        Reply r = c.command(a);
        ASSERT_TRUE(r.is_status("OK")) << joined(a) << ": " << r.str;
    }
    static RedisServer* server_;
    std::unique_ptr<RawConnection> admin_;
};
RedisServer* AclKeys::server_ = nullptr;

}  // namespace

TEST_F(AclKeys, DryRunChecksEveryKeyOfEveryCommandAndNothingElse) {
    if (!has_dryrun()) GTEST_SKIP() << "no ACL DRYRUN before Redis 7.0";
    std::set<std::string> covered;
    for (const auto& c : all_commands()) {
        covered.insert(c.args[0]);
        Reply r = dryrun("lim", c.args);
        EXPECT_TRUE(r.is_status("OK")) << joined(c.args) << ": " << r.str;
        for (auto i : c.keys) {
            auto args = c.args;
            args[i] = "other:" + std::to_string(i);
            r = dryrun("lim", args);
            EXPECT_NE(r.str.find(denied(args[i])), std::string::npos)
                << joined(args) << " (key at " << i << "): " << r.str;
        }
        for (auto i : c.not_keys) {
            auto args = c.args;
            args[i] = "other:" + std::to_string(i);
            r = dryrun("lim", args);
            EXPECT_TRUE(r.is_status("OK"))
                << joined(args) << " (not a key at " << i << "): " << r.str;
        }
    }
    // Every AI.* command the module registers is in the table above.
    Reply cmds = admin_->command({"COMMAND", "LIST", "FILTERBY", "MODULE", "ai"});
    ASSERT_FALSE(cmds.elements.empty()) << cmds.str;
    for (const auto& name : cmds.elements) {
        std::string upper = name.str;
        for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        EXPECT_TRUE(covered.count(upper)) << upper << " has no ACL key case";
    }
}

TEST_F(AclKeys, ReadOnlySelectorAllowsReadsAndRefusesWrites) {
    if (!has_dryrun()) GTEST_SKIP() << "no `%R~` selectors before Redis 7.0";
    auto expect_ok = [&](const std::vector<std::string>& a) {
        Reply r = dryrun("reader", a);
        EXPECT_TRUE(r.is_status("OK")) << joined(a) << ": " << r.str;
    };
    auto expect_refused = [&](const std::vector<std::string>& a, const std::string& key) {
        Reply r = dryrun("reader", a);
        EXPECT_NE(r.str.find(denied(key)), std::string::npos) << joined(a) << ": " << r.str;
    };
    expect_ok({"AI.TENSORGET", "t", "META"});
    expect_ok({"AI.MODELGET", "m", "META"});
    expect_ok({"AI.SCRIPTGET", "s"});
    expect_ok({"AI.INFO", "m"});
    expect_ok({"AI._WAIT", "t", "TENSOR", "0"});
    expect_ok({"AI.DAGEXECUTE_RO", "LOAD", "1", "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", "1",
               "a", "OUTPUTS", "1", "t", "|>", "AI.TENSORGET", "t", "BLOB"});
    expect_ok({"AI.DAGEXECUTE", "ROUTING", "r", "|>", "AI.MODELEXECUTE", "m", "INPUTS", "1", "r",
               "OUTPUTS", "1", "t"});
    expect_refused({"AI.TENSORSET", "t", "FLOAT", "1"}, "t");
    expect_refused({"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"}, "m");
    expect_refused({"AI.MODELDEL", "m"}, "m");
    expect_refused({"AI.SCRIPTDEL", "s"}, "s");
    expect_refused({"AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "c"}, "c");
    // A script may write its KEYS.
    expect_refused({"AI.SCRIPTEXECUTE", "s", "f", "KEYS", "1", "k", "INPUTS", "1", "a"}, "k");
    expect_refused({"AI.DAGEXECUTE", "LOAD", "1", "a", "PERSIST", "1", "p", "|>", "AI.MODELEXECUTE",
                    "m", "INPUTS", "1", "a", "OUTPUTS", "1", "p"},
                   "p");
}

TEST_F(AclKeys, CommandGetKeysListsExactlyTheKeys) {
    auto keys = [&](std::vector<std::string> a) {
        a.insert(a.begin(), {"COMMAND", "GETKEYS"});
        std::vector<std::string> out;
        Reply r = admin_->command(a);
        EXPECT_FALSE(r.is_error()) << r.str;
        for (const auto& e : r.elements) out.push_back(e.str);
        return out;
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(keys({"AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "TIMEOUT",
                    "10"}),
              (V{"m", "a", "b", "c"}));
    EXPECT_EQ(keys({"AI.SCRIPTEXECUTE", "s", "f", "KEYS", "1", "k", "INPUTS", "1", "a", "ARGS", "1",
                    "x", "OUTPUTS", "1", "c"}),
              (V{"s", "k", "a", "c"}));
    EXPECT_EQ(keys({"AI.DAGEXECUTE",
                    "LOAD",
                    "1",
                    "a",
                    "PERSIST",
                    "1",
                    "p",
                    "|>",
                    "AI.MODELEXECUTE",
                    "m",
                    "INPUTS",
                    "1",
                    "a",
                    "OUTPUTS",
                    "1",
                    "p",
                    "|>",
                    "AI.SCRIPTEXECUTE",
                    "s",
                    "f",
                    "INPUTS",
                    "1",
                    "p",
                    "OUTPUTS",
                    "1",
                    "q"}),
              (V{"a", "p", "m", "s"}));
    EXPECT_EQ(keys({"AI.DAGRUN", "PERSIST", "1", "p", "|>", "AI.TENSORSET", "t", "FLOAT", "1", "|>",
                    "AI.MODELRUN", "m", "INPUTS", "t", "OUTPUTS", "p"}),
              (V{"p", "m"}));
    EXPECT_EQ(keys({"AI.TENSORGET", "t", "BLOB"}), (V{"t"}));
    EXPECT_EQ(keys({"AI._WAIT", "t", "LLEN_EQ", "1", "100"}), (V{"t"}));
    if (!has_dryrun()) return;  // GETKEYS is checked above; GETKEYSANDFLAGS is Redis 7.0+
    Reply r = admin_->command({"COMMAND", "GETKEYSANDFLAGS", "AI.MODELEXECUTE", "m", "INPUTS", "1",
                               "a", "OUTPUTS", "1", "c"});
    ASSERT_EQ(r.elements.size(), 3u) << r.str;
    auto flags = [&](std::size_t i) {
        std::set<std::string> f;
        for (const auto& e : r.elements[i].elements[1].elements) f.insert(e.str);
        return f;
    };
    EXPECT_EQ(flags(0), (std::set<std::string>{"RO", "access"}));  // the model
    EXPECT_EQ(flags(1), (std::set<std::string>{"RO", "access"}));  // an input
    EXPECT_EQ(flags(2), (std::set<std::string>{"OW", "update"}));  // an output
    r = admin_->command({"COMMAND", "GETKEYSANDFLAGS", "AI.TENSORGET", "t"});
    ASSERT_EQ(r.elements.size(), 1u) << r.str;
    EXPECT_EQ(flags(0), (std::set<std::string>{"RO", "access"}));
}

TEST_F(AclKeys, RefusedRunsWriteNothing) {
    ok(*admin_, {"AI.MODELSTORE", "allowed:m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*admin_, {"AI.MODELSTORE", "other:m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*admin_,
       {"AI.SCRIPTSTORE", "allowed:s", "CPU", "ENTRY_POINTS", "1", "sum", "SOURCE", k_script});
    ok(*admin_, {"AI.TENSORSET", "allowed:a", "FLOAT", "2", "VALUES", "3", "4"});
    ok(*admin_, {"AI.TENSORSET", "other:a", "FLOAT", "2", "VALUES", "3", "4"});
    auto lim = connect_as(*server_, "lim", "lim-pw");
    auto refused = [&](const std::vector<std::string>& a) {
        Reply r = lim->command(a);
        EXPECT_TRUE(r.is_error() && r.str.rfind("NOPERM", 0) == 0) << joined(a) << ": " << r.str;
    };
    // A forbidden output, input, model or script: refused before anything runs.
    refused({"AI.MODELEXECUTE", "allowed:m", "INPUTS", "1", "allowed:a", "OUTPUTS", "2",
             "allowed:x", "other:y"});
    refused({"AI.MODELEXECUTE", "allowed:m", "INPUTS", "1", "other:a", "OUTPUTS", "2", "allowed:x",
             "allowed:y"});
    refused({"AI.MODELEXECUTE", "other:m", "INPUTS", "1", "allowed:a", "OUTPUTS", "2", "allowed:x",
             "allowed:y"});
    refused({"AI.MODELRUN", "allowed:m", "INPUTS", "allowed:a", "OUTPUTS", "allowed:x", "other:y"});
    refused({"AI.SCRIPTEXECUTE", "allowed:s", "sum", "INPUTS", "2", "allowed:a", "allowed:a",
             "OUTPUTS", "1", "other:y"});
    refused({"AI.DAGEXECUTE", "LOAD", "1", "allowed:a", "PERSIST", "2", "allowed:x", "other:y",
             "|>", "AI.MODELEXECUTE", "allowed:m", "INPUTS", "1", "allowed:a", "OUTPUTS", "2",
             "allowed:x", "other:y"});
    refused({"AI.DAGRUN", "LOAD", "1", "allowed:a", "PERSIST", "1", "allowed:x", "|>",
             "AI.MODELRUN", "other:m", "INPUTS", "allowed:a", "OUTPUTS", "allowed:x", "y"});
    refused({"AI.TENSORSET", "other:t", "FLOAT", "1", "VALUES", "1"});
    refused({"AI.MODELDEL", "other:m"});
    for (const auto* k : {"allowed:x", "allowed:y", "other:y", "other:t"})
        EXPECT_EQ(admin_->command({"EXISTS", k}).integer, 0) << k;
    EXPECT_EQ(admin_->command({"EXISTS", "other:m"}).integer, 1);
    // The same runs on allowed keys go through.
    ok(*lim, {"AI.MODELEXECUTE", "allowed:m", "INPUTS", "1", "allowed:a", "OUTPUTS", "2",
              "allowed:x", "allowed:y"});
    EXPECT_EQ(admin_->command({"EXISTS", "allowed:x"}).integer, 1);
    Reply dag = lim->command({"AI.DAGEXECUTE", "LOAD", "1", "allowed:a", "PERSIST", "1",
                              "allowed:p", "|>", "AI.SCRIPTEXECUTE", "allowed:s", "sum", "INPUTS",
                              "2", "allowed:a", "allowed:a", "OUTPUTS", "1", "allowed:p"});
    EXPECT_EQ(dag.elements.size(), 1u) << dag.str;
    EXPECT_EQ(admin_->command({"EXISTS", "allowed:p"}).integer, 1);
}

// In a cluster a model copy under a shard-local key of another slot ("{P}.<name>") is not
// reported, so Redis routes the run by its tensors instead of answering CROSSSLOT; the module
// checks the user's ACL for that key itself.
TEST(AclKeysCluster, ShardLocalModelKeyIsCheckedByTheModule) {
    if (!has_dryrun()) GTEST_SKIP() << "the module's own ACL check needs Redis 7.0's ACL API";
    RedisCluster cluster(
        3, acl_options({"tensors on >t-pw ~*{t} +@all", "both on >b-pw ~*{t} ~{s*}.model +@all"}));
    const std::string a = "in{t}", x = "out{t}", r = "rows{t}";
    std::string local_model;
    for (int i = 0; local_model.empty(); ++i) {
        std::string k = "{s" + std::to_string(i) + "}.model";
        if (&cluster.owner_of(k) == &cluster.owner_of(a) &&
            insitu::core::hash_slot(k) != insitu::core::hash_slot(a))
            local_model = k;
    }
    RedisServer& shard = cluster.owner_of(a);
    auto admin = shard.connect();
    ASSERT_TRUE(
        admin->command({"AI.MODELSTORE", local_model, "TORCH", "CPU", "BLOB", "fake:double"})
            .is_status("OK"));
    ASSERT_TRUE(admin->command({"AI.MODELSTORE", "m{t}", "TORCH", "CPU", "BLOB", "fake:double"})
                    .is_status("OK"));
    ASSERT_TRUE(
        admin->command({"AI.TENSORSET", a, "FLOAT", "2", "VALUES", "3", "4"}).is_status("OK"));
    // Reported: the model key of the tensors' slot; left out: the one of another slot.
    Reply keys = admin->command({"COMMAND", "GETKEYS", "AI.MODELEXECUTE", local_model, "INPUTS",
                                 "1", a, "OUTPUTS", "1", x});
    ASSERT_EQ(keys.elements.size(), 2u) << keys.str;
    EXPECT_EQ(keys.elements[0].str, a);
    keys = admin->command(
        {"COMMAND", "GETKEYS", "AI.MODELEXECUTE", "m{t}", "INPUTS", "1", a, "OUTPUTS", "1", x});
    ASSERT_EQ(keys.elements.size(), 3u) << keys.str;
    EXPECT_EQ(keys.elements[0].str, "m{t}");
    const std::vector<std::string> run = {"AI.MODELEXECUTE", local_model, "INPUTS", "1", a,
                                          "OUTPUTS",         "2",         x,        r};
    auto tensors = connect_as(shard, "tensors", "t-pw");
    Reply refused = tensors->command(run);
    EXPECT_TRUE(refused.is_error() && refused.str.rfind("NOPERM", 0) == 0) << refused.str;
    Reply dag_refused = tensors->command({"AI.DAGEXECUTE", "LOAD", "1", a, "PERSIST", "1", x, "|>",
                                          "AI.MODELEXECUTE", local_model, "INPUTS", "1", a,
                                          "OUTPUTS", "2", x, "z"});
    EXPECT_TRUE(dag_refused.is_error() && dag_refused.str.rfind("NOPERM", 0) == 0)
        << dag_refused.str;
    EXPECT_EQ(admin->command({"EXISTS", x}).integer, 0);
    // The model of the tensors' slot is checked by Redis, and allowed here.
    Reply same_slot =
        tensors->command({"AI.MODELEXECUTE", "m{t}", "INPUTS", "1", a, "OUTPUTS", "2", x, r});
    EXPECT_TRUE(same_slot.is_status("OK")) << same_slot.str;
    ASSERT_TRUE(admin->command({"DEL", x}).integer == 1);
    if (insitu::testing::redis_server_name() == "Valkey" &&
        insitu::testing::redis_server_major_version() >= 8)
        return;  // a model of another slot is not found there (see test_exec_commands.cpp)
    auto both = connect_as(shard, "both", "b-pw");
    Reply allowed = both->command(run);
    EXPECT_TRUE(allowed.is_status("OK")) << allowed.str;
    EXPECT_EQ(admin->command({"EXISTS", x}).integer, 1);
}
