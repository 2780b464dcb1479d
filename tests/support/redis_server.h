// Test fixtures that run real redis-server processes with the insitu module on free loopback ports
// (standalone over TCP, over a Unix socket, and a 3-shard cluster; each optionally with a password
// and ACL users). Every process started here is
// stopped by the destructor and, should the test binary die, by PR_SET_PDEATHSIG.
#pragma once

#include <sys/types.h>

#include <insitu/reply.h>

#include <memory>
#include <string>
#include <vector>

namespace insitu::testing {

std::string module_path();
// The server binary: $REDIS_PATH, else redis-server on PATH.
std::string redis_server_path();
// Its major version, from `--version` (Redis, KeyDB and Valkey print "<Name> server v=X.Y.Z").
int redis_server_major_version();
// Its name from `--version`: "Redis", "KeyDB" or "Valkey".
std::string redis_server_name();
// $INSITU_TEST_SERVER_ARGS split on whitespace: added to every server the fixtures start (for
// example `--server-threads 2` for KeyDB in the `servers` label).
std::vector<std::string> extra_server_args();
// A free loopback TCP port whose cluster bus port (+10000) is free too.
int free_port();
// A fresh empty directory under this test binary's own temporary folder, which is removed at exit
// when every test passed (kept on a failure, or with INSITU_KEEP_TEST_DIRS=1).
std::string make_temp_dir(const std::string& tag);

// A blocking RESP connection for tests (independent of the client library under test).
class RawConnection {
  public:
    explicit RawConnection(int port, const std::string& host = "127.0.0.1");
    explicit RawConnection(const std::string& unix_path);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    Reply command(const std::vector<std::string>& args);
    // Sends raw bytes and reads one reply (for malformed-protocol tests).
    Reply raw(const std::string& bytes);
    // Sends a command and reads nothing (for clients that disconnect with a request in flight).
    void send_only(const std::vector<std::string>& args);

  private:
    int fd_ = -1;
    struct State;
    std::unique_ptr<State> st_;
};

// A numeric field of `INFO <section>` (e.g. "clients", "connected_clients"); -1 when absent.
long long info_field(RawConnection& c, const std::string& section, const std::string& field);

class RedisServer {
  public:
    struct Options {
        bool unix_socket = false;
        bool cluster = false;
        bool appendonly = false;
        std::vector<std::string> module_args;
        std::vector<std::string> extra_args;
        bool load_module = true;
        // Authentication, written to a private (0600) config file rather than the command line:
        // `requirepass` (and `masterauth`, for replicas) for the default user, and ACL users, one
        // `user` directive each without the keyword, e.g. "app on >pw ~* +@all -flushall".
        // The fixture's own connections (readiness, SHUTDOWN, cluster set-up) authenticate as the
        // default user, so `password` is needed when `acl_users` restrict it.
        std::string password;
        std::vector<std::string> acl_users;
        // TLS only: a folder with ca.crt, server.crt and server.key
        // (tls::generate_experiment_certs) makes port() a TLS port (no plaintext TCP port; client
        // certificates not required; the cluster bus and replication over TLS too). The fixture's
        // own connections then use a Unix socket, which Redis serves in plaintext.
        std::string tls_dir;
        // The environment of a server started by hand: no MALLOC_CONF / JE_MALLOC_CONF (the
        // fixture otherwise sets MALLOC_CONF=thp:always, as the launcher does).
        bool by_hand = false;
    };
    RedisServer();
    explicit RedisServer(Options opts);
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const { return port_; }
    const std::string& unix_path() const { return unix_path_; }
    const std::string& dir() const { return dir_; }
    pid_t pid() const { return pid_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    const std::string& password() const { return opts_.password; }
    bool alive() const;
    std::string log() const;

    // Stops the server (SHUTDOWN SAVE when `save`, else NOSAVE) and starts it again with the same
    // port and directory, waiting until it answers PING.
    void restart(bool save = true);
    void stop(bool save = false);
    // SIGKILL, as a crash would: nothing saved, clients cut off mid-request.
    void kill();
    // SIGSTOP / SIGCONT: the server keeps its sockets but answers nothing.
    void pause();
    void resume();
    void start();

    // A raw connection (over the Unix socket for a TLS server), authenticated as the default user
    // when the server has a password.
    std::unique_ptr<RawConnection> connect() const;

  private:
    void wait_ready();
    Options opts_;
    int port_ = 0;
    std::string dir_, unix_path_;
    pid_t pid_ = -1;
};

// Three (or more) shards with the module loaded, slots split evenly, cluster_state:ok everywhere.
class RedisCluster {
  public:
    explicit RedisCluster(int shards = 3, std::vector<std::string> module_args = {});
    // Shards started with `base` (cluster mode forced on): e.g. a `password` (requirepass and
    // masterauth on every shard; the cluster is formed over authenticated connections).
    RedisCluster(int shards, RedisServer::Options base);
    ~RedisCluster();
    std::vector<RedisServer*> shards() const;
    // "127.0.0.1:p1,127.0.0.1:p2,..." as an SSDB value.
    std::string ssdb() const;
    // The shard that owns `key`'s slot.
    RedisServer& owner_of(const std::string& key) const;

  private:
    std::vector<std::unique_ptr<RedisServer>> shards_;
    std::vector<int> first_slot_;
};

}  // namespace insitu::testing
