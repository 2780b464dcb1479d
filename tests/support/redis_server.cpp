#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "core/free_port.h"
#include "core/hash_slot.h"
#include "core/temp_dir.h"
#include "resp/parser.h"
#include "resp/writer.h"

namespace fs = std::filesystem;

namespace insitu::testing {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

// A request that gets no answer fails the test instead of hanging it.
void set_receive_timeout(int fd) {
    timeval tv{120, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

}  // namespace

std::string module_path() {
    return env_or("INSITU_MODULE", INSITU_MODULE_PATH);
}
std::string redis_server_path() {
    return env_or("REDIS_PATH", "redis-server");
}

namespace {
// "Redis server v=7.0.15 ...", "KeyDB server v=6.3.4 ...", "Valkey server v=8.0.1 ..."
const std::smatch& server_version_match() {
    static const std::string out = [] {
        std::string cmd = "'" + redis_server_path() + "' --version 2>/dev/null";
        std::string text;
        if (FILE* p = ::popen(cmd.c_str(), "r")) {
            char buf[512];
            while (std::fgets(buf, sizeof buf, p)) text += buf;
            ::pclose(p);
        }
        return text;
    }();
    static const std::smatch m = [] {
        std::smatch r;
        if (!std::regex_search(out, r, std::regex("^(\\S+) server v=([0-9]+)\\.")))
            throw std::runtime_error("cannot read the version of " + redis_server_path() +
                                     " (--version printed: " + out + ")");
        return r;
    }();
    return m;
}
}  // namespace

int redis_server_major_version() {
    return std::stoi(server_version_match()[2]);
}

std::string redis_server_name() {
    return server_version_match()[1];
}

std::vector<std::string> extra_server_args() {
    std::vector<std::string> words;
    std::istringstream in(env_or("INSITU_TEST_SERVER_ARGS", ""));
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

int free_port() {
    return core::pick_free_port();
}

long long info_field(RawConnection& c, const std::string& section, const std::string& field) {
    std::string info = c.command({"INFO", section}).str;
    auto at = info.find("\n" + field + ":");
    if (at == std::string::npos) return -1;
    return std::stoll(info.substr(at + field.size() + 2));
}

namespace {

// Every folder a test binary makes lives under one folder of its own (insitu-tests/<binary>-<pid>-
// XXXXXX), removed when the binary exits with every test passed: server folders, experiment
// folders and their logs otherwise piled up by the hundred per run. A failure keeps it for its
// logs, as does INSITU_KEEP_TEST_DIRS=1. Only the process that made it removes it (a forked child
// that returns from main runs static destructors too).
class TestDirRoot {
  public:
    const std::string& path() {
        std::call_once(once_, [this] {
            fs::path base = fs::path(core::temp_dir()) / "insitu-tests";
            fs::create_directories(base);
            std::string exe = fs::read_symlink("/proc/self/exe").filename().string();
            std::string templ =
                (base / (exe + "-" + std::to_string(::getpid()) + "-XXXXXX")).string();
            if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
            // Searchable by all, as the folders under it were before: munged refuses a socket
            // whose parent folders are not (the slurm fixture).
            ::chmod(templ.c_str(), 0755);
            owner_ = ::getpid();
            path_ = templ;
        });
        return path_;
    }
    ~TestDirRoot() {
        if (path_.empty() || ::getpid() != owner_) return;
        const char* keep = std::getenv("INSITU_KEEP_TEST_DIRS");
        if ((keep && *keep && std::string(keep) != "0") ||
            ::testing::UnitTest::GetInstance()->Failed()) {
            std::fprintf(stderr, "test folders kept in %s\n", path_.c_str());
            return;
        }
        std::error_code ec;
        fs::remove_all(path_, ec);
    }

  private:
    std::once_flag once_;
    std::string path_;
    pid_t owner_ = -1;
};

TestDirRoot& test_dir_root() {
    static TestDirRoot root;
    return root;
}

}  // namespace

std::string make_temp_dir(const std::string& tag) {
    std::string templ = test_dir_root().path() + "/" + tag + "-XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    return templ;
}

// ---------------------------------------------------------------------------------------------
struct RawConnection::State {
    resp::Parser parser;
};

RawConnection::RawConnection(int port, const std::string& host) : st_(new State) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd_);
        throw std::runtime_error("RawConnection: cannot connect to port " + std::to_string(port));
    }
    set_receive_timeout(fd_);
}

RawConnection::RawConnection(const std::string& unix_path) : st_(new State) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, unix_path.c_str(), sizeof a.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd_);
        throw std::runtime_error("RawConnection: cannot connect to " + unix_path);
    }
    set_receive_timeout(fd_);
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

void RawConnection::send_only(const std::vector<std::string>& args) {
    std::vector<std::string_view> v(args.begin(), args.end());
    std::string bytes = resp::encode_command(v);
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("RawConnection: send failed");
        off += static_cast<std::size_t>(n);
    }
}

Reply RawConnection::raw(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("RawConnection: send failed");
        off += static_cast<std::size_t>(n);
    }
    char buf[1 << 16];
    while (true) {
        if (auto r = st_->parser.next()) return std::move(*r);
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            throw std::runtime_error("RawConnection: no reply within 120 s");
        if (n <= 0) throw std::runtime_error("RawConnection: connection closed");
        st_->parser.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
}

Reply RawConnection::command(const std::vector<std::string>& args) {
    std::vector<std::string_view> v(args.begin(), args.end());
    return raw(resp::encode_command(v));
}

// ---------------------------------------------------------------------------------------------
RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options opts) : opts_(std::move(opts)) {
    dir_ = make_temp_dir("redis");
    port_ = free_port();
    if (opts_.unix_socket || !opts_.tls_dir.empty()) unix_path_ = dir_ + "/redis.sock";
    start();
}

RedisServer::~RedisServer() {
    stop(false);
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

bool RedisServer::alive() const {
    return pid_ > 0 && ::kill(pid_, 0) == 0;
}

std::string RedisServer::log() const {
    std::ifstream in(dir_ + "/redis.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void RedisServer::start() {
    std::vector<std::string> args = {redis_server_path()};
    if (!opts_.password.empty() || !opts_.acl_users.empty()) {
        // Secrets in a file only the owner reads, not on a command line that ps shows.
        const std::string conf = dir_ + "/auth.conf";
        std::string text;
        if (!opts_.password.empty())
            text += "requirepass " + opts_.password + "\nmasterauth " + opts_.password + "\n";
        for (const auto& u : opts_.acl_users) text += "user " + u + "\n";
        const int fd = ::open(conf.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            throw std::runtime_error("cannot write " + conf);
        ::close(fd);
        args.push_back(conf);  // a config file must come first
    }
    const bool tls = !opts_.tls_dir.empty();
    args.insert(args.end(),
                {"--port", tls ? "0" : std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_,
                 "--logfile", dir_ + "/redis.log", "--daemonize", "no", "--save", "",
                 "--appendonly", opts_.appendonly ? "yes" : "no", "--protected-mode", "no"});
    // DEBUG (DIGEST, DIGEST-VALUE) is off by default from Redis 7.0, which added this option;
    // older servers (KeyDB 6.3) allow DEBUG and reject the option.
    if (redis_server_major_version() >= 7)
        args.insert(args.end(), {"--enable-debug-command", "yes"});
    if (tls) {
        args.insert(args.end(),
                    {"--tls-port", std::to_string(port_), "--tls-cert-file",
                     opts_.tls_dir + "/server.crt", "--tls-key-file", opts_.tls_dir + "/server.key",
                     "--tls-ca-cert-file", opts_.tls_dir + "/ca.crt", "--tls-auth-clients", "no"});
        if (opts_.cluster)
            args.insert(args.end(), {"--tls-cluster", "yes", "--tls-replication", "yes"});
    }
    if (!unix_path_.empty()) {
        args.insert(args.end(), {"--unixsocket", unix_path_, "--unixsocketperm", "700"});
    }
    if (opts_.cluster) {
        args.insert(args.end(), {"--cluster-enabled", "yes", "--cluster-config-file",
                                 dir_ + "/nodes.conf", "--cluster-node-timeout", "5000"});
    }
    if (opts_.load_module) {
        args.push_back("--loadmodule");
        args.push_back(module_path());
        for (const auto& a : opts_.module_args) args.push_back(a);
    }
    for (const auto& a : opts_.extra_args) args.push_back(a);
    for (const auto& a : extra_server_args()) args.push_back(a);

    std::string preload = env_or("INSITU_SERVER_PRELOAD", "");
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(1);
        ::setpgid(0, 0);
        if (!preload.empty()) ::setenv("LD_PRELOAD", preload.c_str(), 1);
        if (opts_.by_hand) {
            ::unsetenv("MALLOC_CONF");
            ::unsetenv("JE_MALLOC_CONF");
        } else {
            // As the launcher does (launch/db/server_config.h): 2 MiB pages for large buffers.
            ::setenv("MALLOC_CONF", "thp:always", 0);
        }
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        std::string out = dir_ + "/redis.stdout";
        int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execvp(argv[0], argv.data());
        ::_exit(127);
    }
    wait_ready();
}

void RedisServer::wait_ready() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("redis-server exited during start-up; log:\n" + log());
        }
        try {
            auto conn = connect();
            RawConnection& c = *conn;
            // KeyDB answers PING (and DBSIZE, with 0) while it still loads RDB/AOF; Redis says
            // -LOADING. Ready means loaded on both.
            if (c.command({"PING"}).is_status("PONG") &&
                c.command({"INFO", "persistence"}).str.find("loading:0") != std::string::npos)
                return;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop(false);
    throw std::runtime_error("redis-server did not answer PING within 20 s; log:\n" + log());
}

void RedisServer::stop(bool save) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);  // a paused server could not answer SHUTDOWN
    try {
        auto c = connect();
        c->raw(resp::encode_command({"SHUTDOWN", save ? "SAVE" : "NOSAVE"}));
    } catch (const std::exception&) {
        // SHUTDOWN closes the connection without a reply, or the server is already gone.
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
}

void RedisServer::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

void RedisServer::pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void RedisServer::restart(bool save) {
    stop(save);
    start();
}

std::unique_ptr<RawConnection> RedisServer::connect() const {
    auto c = opts_.tls_dir.empty() ? std::make_unique<RawConnection>(port_)
                                   : std::make_unique<RawConnection>(unix_path_);
    if (!opts_.password.empty()) {
        Reply r = c->command({"AUTH", opts_.password});
        if (!r.is_status("OK"))
            throw std::runtime_error("AUTH to the test server failed: " + r.str);
    }
    return c;
}

// ---------------------------------------------------------------------------------------------
namespace {
RedisServer::Options with_module_args(std::vector<std::string> module_args) {
    RedisServer::Options o;
    o.module_args = std::move(module_args);
    return o;
}
}  // namespace

RedisCluster::RedisCluster(int n, std::vector<std::string> module_args)
    : RedisCluster(n, with_module_args(std::move(module_args))) {}

RedisCluster::RedisCluster(int n, RedisServer::Options base) {
    base.cluster = true;
    for (int i = 0; i < n; ++i) shards_.push_back(std::make_unique<RedisServer>(base));
    // Assign contiguous slot ranges and introduce every node to the first.
    int per = core::k_cluster_slots / n;
    for (int i = 0; i < n; ++i) {
        int lo = i * per;
        int hi = (i == n - 1) ? core::k_cluster_slots - 1 : (i + 1) * per - 1;
        first_slot_.push_back(lo);
        auto c = shards_[static_cast<std::size_t>(i)]->connect();
        Reply r = c->command({"CLUSTER", "ADDSLOTSRANGE", std::to_string(lo), std::to_string(hi)});
        if (r.is_error()) {
            // ADDSLOTSRANGE is Redis 7.0+; KeyDB 6.3 takes the slots one by one.
            std::vector<std::string> add = {"CLUSTER", "ADDSLOTS"};
            for (int slot = lo; slot <= hi; ++slot) add.push_back(std::to_string(slot));
            r = c->command(add);
        }
        if (r.is_error()) throw std::runtime_error("CLUSTER ADDSLOTS: " + r.str);
        // Distinct epochs from the start, as the launcher (and redis-cli) set them: nodes that
        // all start at epoch 0 resolve the collisions by gossip over the first seconds, and a
        // bump during a test's slot migration can hand the slot back to its old owner, which
        // then makes the new owner drop the migrated keys.
        r = c->command({"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)});
        if (r.is_error()) throw std::runtime_error("CLUSTER SET-CONFIG-EPOCH: " + r.str);
        if (i > 0) {
            r = c->command({"CLUSTER", "MEET", "127.0.0.1", std::to_string(shards_[0]->port())});
            if (r.is_error()) throw std::runtime_error("CLUSTER MEET: " + r.str);
        }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
        bool ok = true;
        for (auto& s : shards_) {
            auto c = s->connect();
            Reply info = c->command({"CLUSTER", "INFO"});
            if (info.str.find("cluster_state:ok") == std::string::npos) ok = false;
            // Every node must also know every other node's slots.
            Reply slots = c->command({"CLUSTER", "SLOTS"});
            if (slots.elements.size() != shards_.size()) ok = false;
        }
        if (ok) break;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("cluster did not reach cluster_state:ok within 30 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

RedisCluster::~RedisCluster() = default;

std::vector<RedisServer*> RedisCluster::shards() const {
    std::vector<RedisServer*> out;
    for (auto& s : shards_) out.push_back(s.get());
    return out;
}

std::string RedisCluster::ssdb() const {
    std::string out;
    for (auto& s : shards_) out += (out.empty() ? "" : ",") + s->address();
    return out;
}

RedisServer& RedisCluster::owner_of(const std::string& key) const {
    int slot = core::hash_slot(key);
    std::size_t idx = 0;
    for (std::size_t i = 0; i < first_slot_.size(); ++i)
        if (slot >= first_slot_[i]) idx = i;
    return *shards_[idx];
}

}  // namespace insitu::testing
