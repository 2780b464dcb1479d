// Across hosts: a 3-shard cluster whose shards listen on three different addresses, with the
// client on a fourth. Each "host" is a network namespace created here (veth pairs to a bridge in a
// fifth namespace, addresses from 198.18.0.0/15, loopback left down), so the shards, cluster
// formation and the client's redirects only work if nothing assumes loopback or a single host.
// Shards are started as under Slurm (`insitu run-shard --ifname eth0`, which resolves the address);
// the client host runs across_hosts_app, which forms the cluster with the launcher's code and talks
// to it through SSDB / SR_DB_TYPE. The root namespace has no route to 198.18.0.0/24, so no traffic
// leaves the namespaces. Needs root and iproute2: without them the test fails, it does not skip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "launch/db/colocated.h"
#include "launch/db/db_command.h"
#include "launch/os/process.h"
#include "launch/os/tool.h"
#include "launch_test_util.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using insitu::launch::Process;
using insitu::launch::ProcessSpec;
using insitu::launch::run_tool;
using insitu::testing::read_text;

namespace {

constexpr int k_hosts = 4;          // h1..h3 shards, h4 the client
const std::string k_port = "6379";  // the same on every host: only the address tells them apart

std::string host_ip(int h) {
    return "198.18.0." + std::to_string(h);
}

// The namespaces, links and processes of one test run; all removed on destruction, also when an
// assertion failed half-way.
class NetnsLab {
  public:
    NetnsLab() : prefix_("insitu-" + std::to_string(::getpid()) + "-") {}
    ~NetnsLab() { teardown(); }
    NetnsLab(const NetnsLab&) = delete;
    NetnsLab& operator=(const NetnsLab&) = delete;

    std::string ns(const std::string& name) const { return prefix_ + name; }
    std::string host(int h) const { return ns("h" + std::to_string(h)); }
    const std::string& prefix() const { return prefix_; }

    // Builds the network; returns an empty string, or the first failing command and its error.
    std::string create() {
        if (auto e = add_ns(ns("br")); !e.empty()) return e;
        for (const auto& c : std::vector<std::vector<std::string>>{
                 {"-n", ns("br"), "link", "add", "br0", "type", "bridge"},
                 {"-n", ns("br"), "link", "set", "br0", "up"}})
            if (auto e = ip(c); !e.empty()) return e;
        for (int h = 1; h <= k_hosts; ++h) {
            std::string port = "h" + std::to_string(h);
            if (auto e = add_ns(host(h)); !e.empty()) return e;
            for (const auto& c : std::vector<std::vector<std::string>>{
                     {"link", "add", "eth0", "netns", host(h), "type", "veth", "peer", "name", port,
                      "netns", ns("br")},
                     {"-n", ns("br"), "link", "set", port, "master", "br0", "up"},
                     {"-n", host(h), "addr", "add", host_ip(h) + "/24", "dev", "eth0"},
                     {"-n", host(h), "link", "set", "eth0", "up"}})
                if (auto e = ip(c); !e.empty()) return e;
        }
        return "";
    }

    // Returns the pid (`ip netns exec` and run-shard exec: it becomes the server's).
    pid_t start(const std::string& netns, std::vector<std::string> argv, const std::string& out,
                const std::string& err) {
        argv.insert(argv.begin(), {"ip", "netns", "exec", netns});
        ProcessSpec spec;
        spec.argv = std::move(argv);
        spec.stdout_path = out;
        spec.stderr_path = err;
        procs_.emplace_back(spec);
        return procs_.back().pid();
    }

    // Processes still inside one of our namespaces (`ip netns pids`).
    std::string pids_inside() const {
        std::string all;
        for (const auto& n : created_) all += run_tool({"ip", "netns", "pids", n}, 5s).out;
        return all;
    }

    void stop_processes() {
        for (auto& p : procs_) p.stop(2s);
        procs_.clear();
    }
    void teardown() {
        stop_processes();
        for (const auto& n : created_) run_tool({"ip", "netns", "del", n}, 10s);
        created_.clear();
    }

  private:
    static std::string ip(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"ip"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = run_tool(argv, 10s);
        if (r.rc == 0) return "";
        return insitu::launch::render_argv(argv) + " failed (exit " + std::to_string(r.rc) +
               "): " + r.err;
    }
    std::string add_ns(const std::string& name) {
        run_tool({"ip", "netns", "del", name}, 10s);  // a leftover of a crashed run with our pid
        auto e = ip({"netns", "add", name});
        if (e.empty()) created_.push_back(name);
        return e;
    }

    std::string prefix_;
    std::vector<std::string> created_;
    std::vector<Process> procs_;
};

std::string field(const std::string& line, const std::string& key) {
    auto p = line.find(" " + key + "=");
    if (p == std::string::npos) return "";
    p += key.size() + 2;
    return line.substr(p, line.find_first_of(" \n", p) - p);
}

// The listening TCP sockets of a process's network namespace, as dotted addresses.
std::vector<std::string> listening_addresses(int pid) {
    std::vector<std::string> out;
    for (const char* table : {"tcp", "tcp6"}) {
        std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/net/" + table));
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream l(line);
            std::string sl, local, remote, st;
            l >> sl >> local >> remote >> st;
            if (st != "0A") continue;
            std::string hex = local.substr(0, local.find(':'));
            if (hex.size() != 8) {
                out.push_back("[" + hex + "]");  // an IPv6 listener: not expected at all
                continue;
            }
            unsigned a = std::stoul(hex, nullptr, 16);  // little-endian in /proc
            out.push_back(std::to_string(a & 255) + "." + std::to_string((a >> 8) & 255) + "." +
                          std::to_string((a >> 16) & 255) + "." + std::to_string(a >> 24));
        }
    }
    return out;
}

}  // namespace

TEST(AcrossHosts, ClusterOfThreeNamespacesWithClientOnAFourth) {
    const fs::path dir =
        fs::temp_directory_path() / ("insitu-across-hosts-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    NetnsLab lab;
    {
        std::string err = lab.create();
        ASSERT_TRUE(err.empty())
            << "cannot build the test network (this test needs root and iproute2's `ip netns`; "
               "it does not skip): "
            << err;
    }

    const std::string cli = insitu::launch::insitu_cli_path();
    std::vector<pid_t> shards;
    for (int h = 1; h <= 3; ++h) {
        std::string name = "shard" + std::to_string(h);
        shards.push_back(lab.start(lab.host(h),
                                   {cli, "run-shard", "--name", name, "--dir", dir.string(),
                                    "--port", k_port, "--ifname", "eth0", "--cluster"},
                                   (dir / (name + ".out")).string(),
                                   (dir / (name + ".err")).string()));
    }
    // The addresses as the shards report them (what the Slurm launcher reads back).
    std::vector<std::string> addresses;
    for (int h = 1; h <= 3; ++h) {
        std::string out_path = (dir / ("shard" + std::to_string(h) + ".out")).string();
        std::string line;
        bool seen = insitu::testing::wait_until(
            [&] {
                std::istringstream in(read_text(out_path));
                for (std::string l; std::getline(in, l);)
                    if (l.rfind("INSITU_SHARD_INFO ", 0) == 0) line = l;
                return !line.empty();
            },
            10s);
        ASSERT_TRUE(seen) << "shard " << h << " printed no address; stderr: "
                          << read_text((dir / ("shard" + std::to_string(h) + ".err")).string());
        EXPECT_EQ(field(line, "host"), host_ip(h)) << line;
        EXPECT_EQ(field(line, "port"), k_port) << line;
        addresses.push_back(field(line, "host") + ":" + field(line, "port"));
    }

    // The root namespace has no route to the shards: everything below happens between namespaces.
    EXPECT_FALSE(insitu::launch::db_command(addresses[0], {"PING"}, 500).has_value());

    const std::string log = (dir / "client.log").string();
    auto app = run_tool({"ip", "netns", "exec", lab.host(4), INSITU_ACROSS_HOSTS_APP, addresses[0],
                         addresses[1], addresses[2]},
                        60s,
                        {{"SSDB", addresses[2]},
                         {"SR_DB_TYPE", "Clustered"},
                         {"SR_LOG_FILE", log},
                         {"SR_LOG_LEVEL", "DEBUG"}});
    ASSERT_EQ(app.rc, 0) << "stdout:\n" << app.out << "stderr:\n" << app.err;
    EXPECT_NE(app.out.find("across-hosts-app: ok"), std::string::npos) << app.out;

    // Every node's CLUSTER NODES lists the three namespace addresses, and nothing on loopback.
    for (const auto& a : addresses) {
        auto begin = app.out.find("cluster-nodes " + a + "\n");
        ASSERT_NE(begin, std::string::npos) << app.out;
        auto end = app.out.find("cluster-nodes ", begin + 1);
        std::string table = app.out.substr(begin, end == std::string::npos ? end : end - begin);
        for (const auto& b : addresses)
            EXPECT_NE(table.find(" " + b + "@16379"), std::string::npos) << table;
        EXPECT_EQ(table.find("127.0.0.1"), std::string::npos) << table;
    }
    // A node names the owner's namespace address when it refuses a key.
    for (int i = 0; i < 3; ++i) {
        std::string want = " " + addresses[static_cast<std::size_t>(i)] + "\n";
        std::istringstream in(app.out);
        bool found = false;
        for (std::string l; std::getline(in, l);)
            if (l.rfind("redirect shard", 0) == 0 && l.find(" MOVED ") != std::string::npos &&
                (l + "\n").find(want) != std::string::npos)
                found = true;
        EXPECT_TRUE(found) << "no MOVED to " << addresses[i] << " in:\n" << app.out;
    }
    // The client followed the MOVED from h1's address to h2's (its own log says so).
    std::string slot = field(app.out.substr(app.out.find("moved-key")), "slot");
    std::string moved_line =
        "MOVED redirection of hash slot " + slot + " from " + addresses[0] + " to " + addresses[1];
    EXPECT_NE(read_text(log).find(moved_line), std::string::npos)
        << "client log lacks '" << moved_line << "':\n"
        << read_text(log);

    // Each shard listens on its namespace's address only.
    for (int h = 1; h <= 3; ++h) {
        auto listening = listening_addresses(shards[static_cast<std::size_t>(h - 1)]);
        EXPECT_FALSE(listening.empty());
        for (const auto& l : listening) EXPECT_EQ(l, host_ip(h)) << "shard " << h;
    }

    lab.stop_processes();
    EXPECT_EQ(lab.pids_inside(), "");
    lab.teardown();
    EXPECT_EQ(insitu::testing::join(insitu::testing::processes_with(dir.string())), "");
    std::string left = run_tool({"ip", "netns", "list"}, 5s).out;
    EXPECT_EQ(left.find(lab.prefix()), std::string::npos) << left;
    fs::remove_all(dir);
}
