// Client authentication against real servers that require it: the password from the environment
// (with the database suffix), from ConfigOptions, from a private file or from an SSDB URL; ACL
// users; refusals (wrong or missing password, NOPERM) that fail fast with a clear message and are
// never retried; every connection (reconnections, cluster nodes found through CLUSTER SLOTS and
// MOVED, parallel list reads) authenticates; no secret ever appears in an error or description.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <insitu/client.h>
#include <insitu/dataset.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::make_client;
using insitu::test::options;
using insitu::test::seconds_taken;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

std::string new_secret(const std::string& stem) {
    std::random_device rd;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    return stem + buf;
}

// Every secret any test here uses, so that each message can be checked against all of them.
std::set<std::string>& secrets() {
    static std::set<std::string> s;
    return s;
}
std::string secret(const std::string& stem) {
    auto s = new_secret(stem);
    secrets().insert(s);
    return s;
}

void expect_no_secret(const std::string& text) {
    for (const auto& s : secrets()) EXPECT_EQ(text.find(s), std::string::npos) << text;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Sets an environment variable for the scope of a test and restores what was there.
class EnvVar {
  public:
    EnvVar(std::string name, const std::string& value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        ::setenv(name_.c_str(), value.c_str(), 1);
    }
    ~EnvVar() {
        if (old_)
            ::setenv(name_.c_str(), old_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }

  private:
    std::string name_;
    std::optional<std::string> old_;
};

// The error that constructing a client (or `fn`) raises, with how long it took.
template <typename E, typename F>
std::string error_of(F&& fn, double* seconds = nullptr) {
    std::string what;
    double took = seconds_taken([&] {
        try {
            fn();
            ADD_FAILURE() << "no exception";
        } catch (const E& e) {
            what = e.what();
        }
    });
    if (seconds) *seconds = took;
    expect_no_secret(what);
    return what;
}

void put_get(Client& c, const std::string& key, float value = 1.5f) {
    std::vector<float> in(16, value), out(16, 0.0f);
    c.put_tensor(key, in.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);
    c.unpack_tensor(key, out.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in) << key;
}

std::string write_file(const std::string& path, const std::string& text, mode_t mode) {
    {
        std::ofstream f(path, std::ios::trunc);
        f << text;
    }
    ::chmod(path.c_str(), mode);
    return path;
}

class Auth : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        password_ = secret("default-");
        app_password_ = secret("app-");
        reader_password_ = secret("reader-");
        scoped_password_ = secret("scoped-");
        RedisServer::Options o;
        o.password = password_;
        o.acl_users = {"app on >" + app_password_ + " ~* &* +@all -flushall -flushdb",
                       "reader on >" + reader_password_ +
                           " ~* -@all +ping +ai.tensorget +exists +cluster|slots +asking",
                       "scoped on >" + scoped_password_ + " ~allowed.* +@all",
                       "noconfig on >" + app_password_ + " ~* &* +@all -ai.config"};
        server_ = new RedisServer(o);
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(server_->connect()->command({"FLUSHALL"}).is_status("OK"));
    }
    static std::string addr() { return server_->address(); }
    static Client client_as(const std::string& user, const std::string& password) {
        std::map<std::string, std::string> extra{{"SR_DB_PASSWORD", password}};
        if (!user.empty()) extra["SR_DB_USER"] = user;
        return make_client(addr(), false, extra);
    }

    static RedisServer* server_;
    static std::string password_, app_password_, reader_password_, scoped_password_;
};
RedisServer* Auth::server_ = nullptr;
std::string Auth::password_, Auth::app_password_, Auth::reader_password_, Auth::scoped_password_;

}  // namespace

TEST_F(Auth, PasswordFromConfigOptions) {
    Client c = client_as("", password_);
    put_get(c, "t");
    expect_no_secret(c.to_string());
}

TEST_F(Auth, PasswordFromTheEnvironment) {
    EnvVar pw("SR_DB_PASSWORD", password_);
    auto o = ConfigOptions::create_from_environment();
    o->override_string_option("SSDB", addr());
    o->override_string_option("SR_DB_TYPE", "Standalone");
    o->override_string_option("SR_LOG_LEVEL", "QUIET");
    Client c(o.get(), "env");
    put_get(c, "env");
}

TEST_F(Auth, EnvironmentWithDatabaseSuffix) {
    // The suffixed variables are the ones read; an unsuffixed wrong password is ignored.
    EnvVar wrong("SR_DB_PASSWORD", "not-the-password");
    EnvVar ssdb("SSDB_AUTHDB", addr());
    EnvVar type("SR_DB_TYPE_AUTHDB", "Standalone");
    EnvVar user("SR_DB_USER_AUTHDB", "app");
    EnvVar pw("SR_DB_PASSWORD_AUTHDB", app_password_);
    EnvVar quiet("SR_LOG_LEVEL", "QUIET");
    auto o = ConfigOptions::create_from_environment("AUTHDB");
    Client c(o.get(), "suffix");
    put_get(c, "suffixed");
}

TEST_F(Auth, UrlForms) {
    // redis://:password@ (default user), redis://user:password@, percent-encoded.
    auto url = "redis://:" + password_ + "@" + addr();
    Client a = make_client(url, false);
    put_get(a, "url");
    expect_no_secret(a.to_string());
    Client b = make_client("redis://app:" + app_password_ + "@" + addr(), false);
    put_get(b, "url_user");
    // The URL wins over the options (and over the environment, read the same way).
    Client c = make_client(url, false, {{"SR_DB_PASSWORD", "wrong"}, {"SR_DB_USER", "nobody"}});
    put_get(c, "url_wins");
    // A user in the URL, the password from the options.
    Client d = make_client("redis://app@" + addr(), false, {{"SR_DB_PASSWORD", app_password_}});
    put_get(d, "url_user_only");
}

// rediss:// to a server without TLS: a clear refusal within SR_CONN_TIMEOUT, never a hang and
// never the password.
TEST_F(Auth, RedissToAPlaintextServerFailsClearly) {
    auto t0 = std::chrono::steady_clock::now();
    auto what = error_of<DatabaseException>([&] {
        make_client("rediss://:" + password_ + "@" + addr(), false, {{"SR_CONN_TIMEOUT", "2"}});
    });
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(contains(what, "is the server serving TLS on this port")) << what;
    EXPECT_TRUE(contains(what, addr())) << what;
    EXPECT_FALSE(contains(what, password_)) << what;
    EXPECT_LT(took, 4.0) << what;
}

TEST_F(Auth, AclUserWorksAndNopermIsClear) {
    Client c = client_as("app", app_password_);
    put_get(c, "acl");
    double took = 0;
    auto what = error_of<DatabaseException>([&] { c.flush_db(addr()); }, &took);
    EXPECT_TRUE(contains(what, "permission denied: user 'app' may not run FLUSHDB")) << what;
    EXPECT_TRUE(contains(what, addr())) << what;
    EXPECT_TRUE(contains(what, "NOPERM")) << what;  // the server's own text follows
    EXPECT_LT(took, 2.0);
    // The client stays usable after a refusal.
    put_get(c, "acl_after");
}

#ifdef INSITU_BACKENDS_DIR
// set_model asks AI.CONFIG GET MODEL_CHUNK_SIZE first; a user without AI.CONFIG still stores and
// runs models (the default chunk size), instead of failing on that question's NOPERM.
TEST_F(Auth, ModelStoreWithoutAiConfigRights) {
    Client c = client_as("noconfig", app_password_);
    std::ifstream f(std::string(INSITU_TEST_MODELS_DIR) + "/two_inputs.pt", std::ios::binary);
    std::string blob((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(blob.empty());
    c.set_model("m", blob, "TORCH", "CPU");
    std::vector<float> x{1, 2}, y{3, 4};
    c.put_tensor("a", x.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    c.put_tensor("b", y.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    c.run_model("m", {"a", "b"}, {"sum", "prod"});
    std::vector<float> sum(2);
    c.unpack_tensor("sum", sum.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_FLOAT_EQ(sum[0], 4);
    EXPECT_FLOAT_EQ(sum[1], 6);
}
#endif

TEST_F(Auth, ReadOnlyUserReadsButCannotWrite) {
    Client app = client_as("app", app_password_);
    put_get(app, "shared", 4.0f);
    Client reader = client_as("reader", reader_password_);
    std::vector<float> out(16);
    reader.unpack_tensor("shared", out.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, std::vector<float>(16, 4.0f));
    EXPECT_TRUE(reader.tensor_exists("shared"));
    double took = 0;
    auto what = error_of<DatabaseException>(
        [&] {
            reader.put_tensor("shared", out.data(), {16}, TensorType::Float,
                              MemoryLayout::Contiguous);
        },
        &took);
    EXPECT_TRUE(contains(what, "permission denied: user 'reader' may not run AI.TENSORSET"))
        << what;
    EXPECT_LT(took, 2.0);
}

TEST_F(Auth, KeyPatternRefusalNamesTheCommand) {
    // The server's NOPERM for a key does not name the command: the client names the one it sent.
    Client c = client_as("scoped", scoped_password_);
    put_get(c, "allowed.t");
    std::vector<float> v(16, 0.0f);
    auto what = error_of<DatabaseException>([&] {
        c.put_tensor("other.t", v.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);
    });
    EXPECT_TRUE(
        contains(what, "permission denied: user 'scoped' may not run AI.TENSORSET at " + addr()))
        << what;
    put_get(c, "allowed.after");
}

TEST_F(Auth, WrongPasswordFailsFastNamingTheAddress) {
    const std::string wrong = secret("wrong-");
    double took = 0;
    auto what = error_of<DatabaseException>([&] { client_as("", wrong); }, &took);
    EXPECT_TRUE(contains(what, "authentication failed at " + addr() + " for user 'default'"))
        << what;
    EXPECT_TRUE(contains(what, "wrong user name or password")) << what;
    // SR_CONN_TIMEOUT and SR_CMD_TIMEOUT are 20 s in these options: nothing was retried.
    EXPECT_LT(took, 2.0);

    what = error_of<DatabaseException>([&] { client_as("nobody", password_); }, &took);
    EXPECT_TRUE(contains(what, "authentication failed at " + addr() + " for user 'nobody'"))
        << what;
    EXPECT_LT(took, 2.0);

    // The same through the C++ exception base and an SSDB URL.
    what = error_of<Exception>([&] { make_client("redis://app:" + wrong + "@" + addr(), false); });
    EXPECT_TRUE(contains(what, "authentication failed")) << what;
}

TEST_F(Auth, MissingPasswordSaysWhatToSet) {
    double took = 0;
    auto what = error_of<DatabaseException>([&] { make_client(addr(), false); }, &took);
    EXPECT_TRUE(contains(what, "authentication failed at " + addr() +
                                   ": the database requires a password; set SR_DB_PASSWORD"))
        << what;
    EXPECT_LT(took, 2.0);
    // With a database suffix, the suffixed names are the ones to set.
    EnvVar ssdb("SSDB_NOPW", addr());
    EnvVar type("SR_DB_TYPE_NOPW", "Standalone");
    EnvVar conn("SR_CONN_TIMEOUT_NOPW", "20");
    EnvVar quiet("SR_LOG_LEVEL", "QUIET");
    auto o = ConfigOptions::create_from_environment("NOPW");
    what = error_of<DatabaseException>([&] { Client c(o.get(), "nopw"); }, &took);
    EXPECT_TRUE(contains(what, "set SR_DB_PASSWORD_NOPW (or SR_DB_PASSWORD_FILE_NOPW")) << what;
    EXPECT_LT(took, 2.0);
}

TEST_F(Auth, PasswordFileMustBePrivate) {
    const std::string dir = insitu::testing::make_temp_dir("auth");
    const std::string file = write_file(dir + "/password", password_ + "\n", 0644);
    auto what = error_of<ParameterException>([&] {
        make_client(addr(), false, {{"SR_DB_PASSWORD_FILE", file}});
    });
    EXPECT_TRUE(contains(what, file)) << what;
    EXPECT_TRUE(contains(what, "mode 0644")) << what;
    EXPECT_TRUE(contains(what, "SR_DB_PASSWORD_FILE")) << what;

    ::chmod(file.c_str(), 0600);  // the trailing newline is not part of the password
    Client c = make_client(addr(), false, {{"SR_DB_PASSWORD_FILE", file}});
    put_get(c, "from_file");

    // The file of an ACL user, from the environment.
    const std::string app_file = write_file(dir + "/app", app_password_, 0600);
    EnvVar user("SR_DB_USER", "app");
    EnvVar pw_file("SR_DB_PASSWORD_FILE", app_file);
    auto o = ConfigOptions::create_from_environment();
    o->override_string_option("SSDB", addr());
    o->override_string_option("SR_DB_TYPE", "Standalone");
    o->override_string_option("SR_LOG_LEVEL", "QUIET");
    Client d(o.get(), "file_env");
    put_get(d, "from_env_file");

    what = error_of<ParameterException>([&] {
        make_client(addr(), false, {{"SR_DB_PASSWORD_FILE", dir + "/missing"}});
    });
    EXPECT_TRUE(contains(what, dir + "/missing")) << what;
    std::remove(file.c_str());
    std::remove(app_file.c_str());
    ::rmdir(dir.c_str());
}

TEST_F(Auth, ContradictoryOrIncompleteSettingsAreRefused) {
    auto what = error_of<ParameterException>([&] {
        make_client(addr(), false,
                    {{"SR_DB_PASSWORD", password_}, {"SR_DB_PASSWORD_FILE", "/dev/null"}});
    });
    EXPECT_TRUE(contains(what, "set only one")) << what;
    what = error_of<ParameterException>([&] {
        make_client(addr(), false, {{"SR_DB_USER", "app"}});
    });
    EXPECT_TRUE(contains(what, "'app'")) << what;
    EXPECT_TRUE(contains(what, "no password")) << what;
    what = error_of<ParameterException>([&] {
        make_client("redis://app:" + app_password_ + "@" + addr() + ",redis://:" + password_ +
                        "@127.0.0.1:1",
                    false);
    });
    EXPECT_TRUE(contains(what, "different credentials")) << what;
}

TEST_F(Auth, UnixSocketUrl) {
    RedisServer::Options o;
    o.unix_socket = true;
    o.password = secret("unix-");
    RedisServer s(o);
    Client c = make_client("unix://:" + o.password + "@" + s.unix_path(), false);
    put_get(c, "over_unix");
    auto what = error_of<DatabaseException>([&] { make_client("unix://" + s.unix_path(), false); });
    EXPECT_TRUE(contains(what, "authentication failed at unix://" + s.unix_path())) << what;
}

TEST(AuthReconnect, EveryReconnectionAuthenticatesAndARefusalIsNotRetried) {
    RedisServer::Options o;
    o.password = secret("first-");
    RedisServer s(o);
    Client c = make_client(s.address(), false, {{"SR_DB_PASSWORD", o.password}});
    put_get(c, "before");
    auto raw = s.connect();
    // Cut the client off: its next command reconnects, and must authenticate again.
    ASSERT_EQ(raw->command({"CLIENT", "KILL", "TYPE", "normal"}).integer, 1);
    put_get(c, "after_reconnect");

    // The password changes under the client: the reconnection is refused, at once (the
    // command's SR_CMD_TIMEOUT is 20 s), with the clear error.
    const std::string next = secret("second-");
    ASSERT_TRUE(raw->command({"CONFIG", "SET", "requirepass", next}).is_status("OK"));
    ASSERT_EQ(raw->command({"CLIENT", "KILL", "TYPE", "normal"}).integer, 1);
    double took = 0;
    auto what = error_of<DatabaseException>([&] { put_get(c, "refused"); }, &took);
    EXPECT_TRUE(contains(what, "authentication failed at " + s.address())) << what;
    EXPECT_LT(took, 2.0);
    ASSERT_TRUE(raw->command({"CONFIG", "SET", "requirepass", o.password}).is_status("OK"));
}

TEST(AuthReconnect, NoauthAfterAReconnectionIsNotRetried) {
    RedisServer s;  // no password at first
    Client c = make_client(s.address(), false);
    put_get(c, "open");
    auto raw = s.connect();
    const std::string pw = secret("late-");
    ASSERT_TRUE(raw->command({"CONFIG", "SET", "requirepass", pw}).is_status("OK"));
    ASSERT_EQ(raw->command({"CLIENT", "KILL", "TYPE", "normal"}).integer, 1);
    double took = 0;
    auto what = error_of<DatabaseException>([&] { put_get(c, "closed"); }, &took);
    EXPECT_TRUE(contains(what, "the database requires a password")) << what;
    EXPECT_LT(took, 2.0);
    ASSERT_TRUE(raw->command({"CONFIG", "SET", "requirepass", ""}).is_status("OK"));
}

TEST(AuthReconnect, PasswordTheServerDoesNotNeedIsHarmless) {
    RedisServer s;  // no password: AUTH is answered "called without any password configured"
    Client c = make_client(s.address(), false, {{"SR_DB_PASSWORD", "unneeded"}});
    put_get(c, "unneeded");
}

// ---- a 3-shard cluster with requirepass + masterauth ------------------------------------------

namespace {

class AuthCluster : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        password_ = secret("cluster-");
        app_password_ = secret("capp-");
        RedisServer::Options o;
        o.password = password_;
        o.acl_users = {"app on >" + app_password_ + " ~* &* +@all -flushall -flushdb"};
#ifdef INSITU_BACKENDS_DIR
        o.module_args = {"BACKENDSPATH", INSITU_BACKENDS_DIR};
#endif
        cluster_ = new RedisCluster(3, o);
    }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    void SetUp() override {
        for (RedisServer* s : cluster_->shards())
            ASSERT_TRUE(s->connect()->command({"FLUSHALL"}).is_status("OK"));
    }
    // A key (with `stem`) that `shard` owns.
    static std::string key_on(std::size_t shard, const std::string& stem) {
        for (int i = 0;; ++i) {
            std::string k = stem + std::to_string(i);
            if (&cluster_->owner_of(k) == cluster_->shards()[shard]) return k;
        }
    }
    static std::string first_shard() {
        return cluster_->shards()[0]->address();
    }
    // After CLUSTER SETSLOT NODE on every node: waits until every node agrees that `owner` serves
    // `key`'s slot (the owner answers, the others redirect to it), sending SETSLOT NODE again to a
    // node that does not. A hand-made migration can leave two nodes redirecting to each other
    // when gossip carrying an older claim arrives after the SETSLOT.
    static void settle_slot(const std::string& key, const std::string& slot, RedisServer& owner,
                            const std::string& owner_id) {
        const std::string moved_to = "127.0.0.1:" + std::to_string(owner.port());
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
            bool agreed = true;
            for (RedisServer* x : cluster_->shards()) {
                Reply r = x->connect()->command({"EXISTS", key});
                const bool ok = x == &owner
                                    ? !r.is_error()
                                    : r.is_error() && r.str.find(moved_to) != std::string::npos;
                if (ok) continue;
                agreed = false;
                x->connect()->command({"CLUSTER", "SETSLOT", slot, "NODE", owner_id});
            }
            if (agreed) return;
            ASSERT_LT(std::chrono::steady_clock::now(), deadline)
                << "the nodes do not agree on the owner of slot " << slot;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    static RedisCluster* cluster_;
    static std::string password_, app_password_;
};
RedisCluster* AuthCluster::cluster_ = nullptr;
std::string AuthCluster::password_, AuthCluster::app_password_;

}  // namespace

TEST_F(AuthCluster, EveryShardAuthenticates) {
    // One seed: the other nodes are found through CLUSTER SLOTS and connected on first use.
    Client c = make_client(first_shard(), true, {{"SR_DB_PASSWORD", password_}});
    EXPECT_EQ(c.node_addresses().size(), 3u);
    for (std::size_t s = 0; s < 3; ++s) put_get(c, key_on(s, "k"), static_cast<float>(s));
    for (std::size_t s = 0; s < 3; ++s)
        EXPECT_EQ(cluster_->shards()[s]->connect()->command({"EXISTS", key_on(s, "k")}).integer, 1);
    expect_no_secret(c.to_string());
}

TEST_F(AuthCluster, AclUserTensorOpsAcrossShards) {
    Client c = make_client("redis://app:" + app_password_ + "@" + first_shard(), true);
    const std::string a = key_on(0, "a"), b = key_on(1, "b"), d = key_on(2, "d");
    put_get(c, a, 2.0f);
    c.copy_tensor(a, b);  // across shards (DUMP / RESTORE)
    c.rename_tensor(b, d);
    std::vector<float> out(16);
    c.unpack_tensor(d, out.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, std::vector<float>(16, 2.0f));
    EXPECT_FALSE(c.tensor_exists(b));

    // Datasets on every shard, read back by the parallel list reader (its own connections).
    for (int i = 0; i < 12; ++i) {
        DataSet ds("ds" + std::to_string(i));
        std::vector<float> v(4, static_cast<float>(i));
        ds.add_tensor("v", v.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
        c.put_dataset(ds);
        c.append_to_list("list", ds);
    }
    auto got = c.get_datasets_from_list("list");
    ASSERT_EQ(got.size(), 12u);
    for (int i = 0; i < 12; ++i)
        EXPECT_EQ(got[static_cast<std::size_t>(i)].get_name(), "ds" + std::to_string(i));

    auto what = error_of<DatabaseException>([&] { c.flush_db(c.node_addresses()[1]); });
    EXPECT_TRUE(contains(what, "permission denied: user 'app' may not run FLUSHDB")) << what;
}

TEST_F(AuthCluster, MovedToANodeNotYetConnectedAuthenticates) {
    Client c = make_client(first_shard(), true, {{"SR_DB_PASSWORD", password_}});
    RedisServer& from = *cluster_->shards()[0];
    RedisServer& to = *cluster_->shards()[1];
    const std::string key = key_on(0, "moving");
    put_get(c, key, 7.0f);  // the client is connected to shard 0 only
    const std::string slot =
        std::to_string(from.connect()->command({"CLUSTER", "KEYSLOT", key}).integer);
    auto src = from.connect();
    auto dst = to.connect();
    const std::string from_id = src->command({"CLUSTER", "MYID"}).str;
    const std::string to_id = dst->command({"CLUSTER", "MYID"}).str;
    ASSERT_TRUE(dst->command({"CLUSTER", "SETSLOT", slot, "IMPORTING", from_id}).is_status("OK"));
    ASSERT_TRUE(src->command({"CLUSTER", "SETSLOT", slot, "MIGRATING", to_id}).is_status("OK"));
    Reply r = src->command(
        {"MIGRATE", "127.0.0.1", std::to_string(to.port()), key, "0", "5000", "AUTH", password_});
    ASSERT_TRUE(r.is_status("OK")) << to_display(r);
    for (RedisServer* x : {&to, &from, cluster_->shards()[2]})
        ASSERT_TRUE(
            x->connect()->command({"CLUSTER", "SETSLOT", slot, "NODE", to_id}).is_status("OK"));
    settle_slot(key, slot, to, to_id);
    // MOVED (or ASK) to shard 1, which this client has not connected to yet.
    std::vector<float> out(16);
    c.unpack_tensor(key, out.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, std::vector<float>(16, 7.0f));
    // Hand the slot back so that key_on() stays right for the other tests.
    ASSERT_TRUE(src->command({"CLUSTER", "SETSLOT", slot, "IMPORTING", to_id}).is_status("OK"));
    ASSERT_TRUE(dst->command({"CLUSTER", "SETSLOT", slot, "MIGRATING", from_id}).is_status("OK"));
    r = to.connect()->command(
        {"MIGRATE", "127.0.0.1", std::to_string(from.port()), key, "0", "5000", "AUTH", password_});
    ASSERT_TRUE(r.is_status("OK")) << to_display(r);
    for (RedisServer* x : {&from, &to, cluster_->shards()[2]})
        ASSERT_TRUE(
            x->connect()->command({"CLUSTER", "SETSLOT", slot, "NODE", from_id}).is_status("OK"));
    settle_slot(key, slot, from, from_id);
}

TEST_F(AuthCluster, WrongOrMissingPasswordFailsFast) {
    double took = 0;
    auto what = error_of<DatabaseException>(
        [&] {
            make_client(cluster_->ssdb(), true, {{"SR_DB_PASSWORD", secret("bad-")}});
        },
        &took);
    EXPECT_TRUE(contains(what, "authentication failed at 127.0.0.1:")) << what;
    EXPECT_TRUE(contains(what, "wrong user name or password")) << what;
    EXPECT_LT(took, 2.0);
    what = error_of<DatabaseException>([&] { make_client(cluster_->ssdb(), true); }, &took);
    EXPECT_TRUE(contains(what, "the database requires a password")) << what;
    EXPECT_LT(took, 2.0);
}

#ifdef INSITU_BACKENDS_DIR
TEST_F(AuthCluster, RunModelAcrossShards) {
    Client c = make_client(first_shard(), true, {{"SR_DB_PASSWORD", password_}});
    std::ifstream f(std::string(INSITU_TEST_MODELS_DIR) + "/two_inputs.pt", std::ios::binary);
    std::string blob((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(blob.empty());
    c.set_model("m", blob, "TORCH", "CPU");  // one copy per shard
    // Inputs and outputs on different shards: the client moves tensors between them.
    const std::string a = key_on(0, "in_a"), b = key_on(1, "in_b");
    const std::string sum = key_on(2, "sum"), prod = key_on(0, "prod");
    std::vector<float> x{1, 2, 3, 4, 5, 6}, y{2, 2, 2, 2, 2, 2};
    c.put_tensor(a, x.data(), {2, 3}, TensorType::Float, MemoryLayout::Contiguous);
    c.put_tensor(b, y.data(), {2, 3}, TensorType::Float, MemoryLayout::Contiguous);
    c.run_model("m", {a, b}, {sum, prod});
    std::vector<float> s(6), p(6);
    c.unpack_tensor(sum, s.data(), {6}, TensorType::Float, MemoryLayout::Contiguous);
    c.unpack_tensor(prod, p.data(), {6}, TensorType::Float, MemoryLayout::Contiguous);
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_FLOAT_EQ(s[i], x[i] + y[i]);
        EXPECT_FLOAT_EQ(p[i], x[i] * y[i] - 1);  // two_inputs.pt: (a + b, a * b - 1)
    }
}
#endif
