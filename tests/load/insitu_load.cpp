// Load test: N concurrent clients, each running M mixed operations (put, get, run_model, datasets,
// deletes) against real servers it starts itself (a standalone server and/or a 3-shard cluster,
// the module loaded, the fake backend plugin preloaded as TORCH so that run_model exercises the
// module's queues without a framework's cost; --torch runs a real TorchScript model instead).
// Every client checks every byte it reads back. At the end each client deletes its keys and the
// servers' used_memory must be back near the baseline taken before the clients started.
//
//   insitu_load [--mode standalone|cluster|both] [--clients N] [--ops M] [--seed S] [--torch]
//   insitu_load --external [--clients N] [--ops M] [--seed S] [--torch]
//
// --external loads a database that is already running instead: the one the environment names
// (SSDB, SR_DB_TYPE), with the credentials the client reads from it like any application's
// (SR_DB_USER, SR_DB_PASSWORD_FILE or SR_DB_PASSWORD). Every check then goes through those
// credentials too (INFO, DBSIZE, CLIENT INFO); its servers need the fake backend as TORCH (or,
// with --torch, the TORCH plugin); --mode does not apply. ctest runs it so against databases that
// require authentication, as the app user (tests/load/CMakeLists.txt).
//
// Prints one line per mode (throughput, errors, memory) and exits non-zero on any error, any wrong
// byte, a key left behind, or memory more than --memory-slack-kib (default 2048) per server above
// the baseline.
#include <insitu/client.h>
#include <insitu/dataset.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"

using namespace insitu;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::string mode = "both";
    int clients = 8;
    int ops = 500;
    unsigned seed = 1;
    bool torch = false;
    bool external = false;
    long long memory_slack_kib = 2048;
};

struct Totals {
    std::atomic<long long> ops{0}, errors{0}, mismatches{0};
    std::atomic<long long> puts{0}, gets{0}, runs{0}, datasets{0}, deletes{0};
    std::mutex mu;
    std::vector<std::string> first_errors;
    void error(const std::string& what, bool mismatch) {
        (mismatch ? mismatches : errors)++;
        std::lock_guard<std::mutex> lock(mu);
        if (first_errors.size() < 10) first_errors.push_back(what);
    }
};

// Deterministic contents of a tensor from (client, version): regenerated to check reads.
std::vector<float> values(int client, unsigned version, std::size_t n) {
    std::vector<float> v(n);
    std::uint32_t x = static_cast<std::uint32_t>(client) * 2654435761u + version * 40503u + 1;
    for (std::size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        v[i] = static_cast<float>(x >> 8) / 65536.0f - 128.0f;
    }
    return v;
}

// float32 data of a .npy file written by numpy (little-endian, C order).
std::vector<float> read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (s.size() < 10 || s.compare(0, 6, "\x93NUMPY") != 0)
        throw std::runtime_error("not npy: " + path);
    std::size_t header =
        s[6] == 1
            ? 10 + (static_cast<unsigned char>(s[8]) | (static_cast<unsigned char>(s[9]) << 8))
            : 12 + (static_cast<unsigned char>(s[8]) | (static_cast<unsigned char>(s[9]) << 8));
    if (s.find("'<f4'") == std::string::npos) throw std::runtime_error("not float32: " + path);
    std::vector<float> v((s.size() - header) / 4);
    std::memcpy(v.data(), s.data() + header, v.size() * 4);
    return v;
}

// A client's options: for --external from the environment (address, type, credentials), as an
// application's; else the servers started here, named in code.
std::unique_ptr<ConfigOptions> client_options(const Args& args, const std::string& ssdb,
                                              bool cluster) {
    auto o =
        args.external ? ConfigOptions::create_from_environment() : ConfigOptions::create_empty();
    if (!args.external) {
        o->override_string_option("SSDB", ssdb);
        o->override_string_option("SR_DB_TYPE", cluster ? "Clustered" : "Standalone");
    }
    o->override_string_option("SR_LOG_LEVEL", "QUIET");
    return o;
}

struct Model {
    std::string blob;
    std::vector<float> input, expected;  // torch only
};

class Worker {
  public:
    Worker(int id, const Args& args, const std::string& ssdb, bool cluster, const Model& model,
           Totals& totals)
        : id_(id), args_(args), model_(model), totals_(totals), rng_(args.seed * 7919u + id) {
        auto o = client_options(args, ssdb, cluster);
        // Generous: 64 clients share two cores with the servers.
        o->override_string_option("SR_SOCKET_TIMEOUT", "10000");
        o->override_integer_option("SR_CMD_TIMEOUT", 120);
        client_ = std::make_unique<Client>(o.get(), "load");
    }

    void run() {
        for (int i = 0; i < args_.ops; ++i) {
            try {
                step();
            } catch (const std::exception& e) {
                totals_.error(
                    "client " + std::to_string(id_) + " op " + std::to_string(i) + ": " + e.what(),
                    false);
            }
            totals_.ops++;
        }
        cleanup();
    }

  private:
    std::string tensor_key(int slot) const {
        return "c" + std::to_string(id_) + ".t" + std::to_string(slot);
    }
    std::string dataset_name(int slot) const {
        return "c" + std::to_string(id_) + ".ds" + std::to_string(slot);
    }
    std::string tag() const { return "{c" + std::to_string(id_) + "}"; }
    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

    void mismatch(const std::string& what) {
        totals_.error("client " + std::to_string(id_) + ": wrong data: " + what, true);
    }

    void step() {
        std::size_t dice = pick(100);
        if (dice < 30) return put();
        if (dice < 60) return get();
        if (dice < 75) return run_model();
        if (dice < 95) return dataset();
        return remove();
    }

    void put() {
        int slot = static_cast<int>(pick(k_slots));
        std::size_t n = 1 + pick(pick(10) == 0 ? 65536 : 2048);
        unsigned version = ++version_;
        auto v = values(id_, version, n);
        client_->put_tensor(tensor_key(slot), v.data(), {n}, TensorType::Float,
                            MemoryLayout::Contiguous);
        tensors_[slot] = {version, n};
        totals_.puts++;
    }

    void get() {
        if (tensors_.empty()) return put();
        auto it = tensors_.begin();
        std::advance(it, static_cast<long>(pick(tensors_.size())));
        auto [version, n] = it->second;
        std::vector<float> out(n);
        client_->unpack_tensor(tensor_key(it->first), out.data(), {n}, TensorType::Float,
                               MemoryLayout::Contiguous);
        if (out != values(id_, version, n)) mismatch("tensor " + tensor_key(it->first));
        totals_.gets++;
    }

    void run_model() {
        const std::string in = tag() + ".in", out = tag() + ".out", rows = tag() + ".rows";
        std::vector<float> input, expected;
        std::vector<std::size_t> dims;
        if (args_.torch) {
            input = model_.input;
            expected = model_.expected;
            dims = {1, input.size()};
            client_->put_tensor(in, input.data(), dims, TensorType::Float,
                                MemoryLayout::Contiguous);
            client_->run_model("m", {in}, {out});
            std::vector<float> got(expected.size());
            client_->unpack_tensor(out, got.data(), {1, got.size()}, TensorType::Float,
                                   MemoryLayout::Contiguous);
            for (std::size_t i = 0; i < got.size(); ++i)
                if (std::fabs(got[i] - expected[i]) > 1e-4f * (1 + std::fabs(expected[i])))
                    return mismatch("run_model output " + std::to_string(i));
        } else {
            std::size_t r = 1 + pick(4), c = 1 + pick(256);
            input = values(id_, ++version_, r * c);
            client_->put_tensor(in, input.data(), {r, c}, TensorType::Float,
                                MemoryLayout::Contiguous);
            client_->run_model("m", {in}, {out, rows});
            std::vector<float> got(r * c);
            client_->unpack_tensor(out, got.data(), {r, c}, TensorType::Float,
                                   MemoryLayout::Contiguous);
            for (std::size_t i = 0; i < got.size(); ++i)
                if (got[i] != 2 * input[i])
                    return mismatch("run_model output " + std::to_string(i));
        }
        used_model_ = true;
        totals_.runs++;
    }

    void dataset() {
        int slot = static_cast<int>(pick(k_slots));
        if (!datasets_.count(slot) || pick(2) == 0) {
            unsigned version = ++version_;
            std::size_t n = 1 + pick(512);
            auto v = values(id_, version, n);
            DataSet ds(dataset_name(slot));
            ds.add_tensor("field", v.data(), {n}, TensorType::Float, MemoryLayout::Contiguous);
            double step = version;
            ds.add_meta_scalar("step", &step, MetaDataType::Double);
            ds.add_meta_string("who", "client " + std::to_string(id_));
            client_->put_dataset(ds);
            datasets_[slot] = {version, n};
        } else {
            auto [version, n] = datasets_[slot];
            DataSet ds = client_->get_dataset(dataset_name(slot));
            std::vector<float> out(n);
            ds.unpack_tensor("field", out.data(), {n}, TensorType::Float, MemoryLayout::Contiguous);
            void* step = nullptr;
            std::size_t len = 0;
            MetaDataType t = MetaDataType::Invalid;
            ds.get_meta_scalars("step", step, len, t);
            auto who = ds.get_meta_strings("who");
            if (out != values(id_, version, n) || len != 1 || t != MetaDataType::Double ||
                *static_cast<double*>(step) != static_cast<double>(version) ||
                who != std::vector<std::string>{"client " + std::to_string(id_)})
                mismatch("dataset " + dataset_name(slot));
        }
        totals_.datasets++;
    }

    void remove() {
        if (tensors_.empty()) return put();
        auto it = tensors_.begin();
        std::advance(it, static_cast<long>(pick(tensors_.size())));
        client_->delete_tensor(tensor_key(it->first));
        if (client_->tensor_exists(tensor_key(it->first)))
            mismatch("deleted tensor still exists: " + tensor_key(it->first));
        tensors_.erase(it);
        totals_.deletes++;
    }

    void cleanup() {
        try {
            for (auto& [slot, _] : tensors_) client_->delete_tensor(tensor_key(slot));
            for (auto& [slot, _] : datasets_) client_->delete_dataset(dataset_name(slot));
            if (used_model_) {
                client_->delete_tensor(tag() + ".in");
                client_->delete_tensor(tag() + ".out");
                if (!args_.torch) client_->delete_tensor(tag() + ".rows");
            }
        } catch (const std::exception& e) {
            totals_.error("client " + std::to_string(id_) + " cleanup: " + e.what(), false);
        }
    }

    static constexpr std::size_t k_slots = 16;
    int id_;
    const Args& args_;
    const Model& model_;
    Totals& totals_;
    std::mt19937 rng_;
    std::unique_ptr<Client> client_;
    unsigned version_ = 0;
    std::map<int, std::pair<unsigned, std::size_t>> tensors_, datasets_;
    bool used_model_ = false;
};

// The servers under load, and how the checks reach each of them.
struct Target {
    std::string ssdb;  // "" for --external (the clients read SSDB themselves)
    bool cluster = false;
    std::vector<std::string> addresses;
    std::function<Reply(std::size_t, const std::vector<std::string>&)> command;
    std::function<bool(std::size_t)> alive;
    std::string user;  // --external: the user the clients authenticate as ("default": none)
};

long long info_number(const Target& t, std::size_t server, const std::string& section,
                      const std::string& field) {
    std::string info = t.command(server, {"INFO", section}).str;
    auto at = info.find("\n" + field + ":");
    if (at == std::string::npos) at = info.find(field + ":");
    if (at == std::string::npos) return -1;
    return std::stoll(info.substr(info.find(':', at) + 1));
}

long long keys_of(const Target& t) {
    long long n = 0;
    for (std::size_t i = 0; i < t.addresses.size(); ++i) n += t.command(i, {"DBSIZE"}).integer;
    return n;
}

int run_load(const Args& args, const Target& t, const Model& model);

// Servers started here (a standalone server or a 3-shard cluster), stopped on return.
int run_mode(const Args& args, bool cluster, const Model& model) {
    std::vector<std::string> module_args;
    if (args.torch)
        module_args = {"BACKENDSPATH", INSITU_BACKENDS_DIR};
    else
        module_args = {"TORCH", INSITU_TEST_BACKEND};
    std::unique_ptr<RedisServer> standalone;
    std::unique_ptr<RedisCluster> shards;
    std::vector<RedisServer*> servers;
    Target t;
    t.cluster = cluster;
    if (cluster) {
        shards = std::make_unique<RedisCluster>(3, module_args);
        servers = shards->shards();
        t.ssdb = shards->ssdb();
    } else {
        RedisServer::Options o;
        o.module_args = module_args;
        standalone = std::make_unique<RedisServer>(o);
        servers = {standalone.get()};
        t.ssdb = standalone->address();
    }
    for (auto* s : servers) {
        s->connect()->command({"CONFIG", "SET", "maxclients", "10000"});
        t.addresses.push_back(s->address());
    }
    t.command = [&servers](std::size_t i, const std::vector<std::string>& args) {
        return servers[i]->connect()->command(args);
    };
    t.alive = [&servers](std::size_t i) { return servers[i]->alive(); };
    return run_load(args, t, model);
}

// --external: the database the environment names, reached with the environment's credentials.
// A database that requires authentication and no (or wrong) credentials fail here, with the
// client's message (which names the variables to set).
int run_external(const Args& args, const Model& model) {
    auto o = client_options(args, "", false);
    Client checks(o.get(), "load-checks");
    Target t;
    t.cluster = checks.is_cluster();
    t.addresses = checks.node_addresses();
    t.command = [&checks, &t](std::size_t i, const std::vector<std::string>& args) {
        Reply r = checks.run_command_on(t.addresses[i], args);
        if (r.is_error())
            throw std::runtime_error(args[0] + " at " + t.addresses[i] + " refused: " + r.str);
        return r;
    };
    t.alive = [&t](std::size_t i) {
        try {
            return t.command(i, {"PING"}).is_status("PONG");
        } catch (const std::exception&) {
            return false;
        }
    };
    // Who the clients are, as the server sees it; it must be the user the environment names.
    std::string info = t.command(0, {"CLIENT", "INFO"}).str;
    auto at = info.find(" user=");
    if (at != std::string::npos) t.user = info.substr(at + 6, info.find(' ', at + 6) - at - 6);
    const char* wanted = std::getenv("SR_DB_USER");
    if (wanted && *wanted && t.user != wanted)
        throw std::runtime_error("connected as user '" + t.user + "', not SR_DB_USER '" + wanted +
                                 "'");
    return run_load(args, t, model);
}

int run_load(const Args& args, const Target& t, const Model& model) {
    const bool cluster = t.cluster;
    const std::size_t servers = t.addresses.size();
    Totals totals;
    {
        // The model on every shard, and one warm-up run per shard so that queues and workers
        // exist before the baseline.
        auto o = client_options(args, t.ssdb, cluster);
        Client c(o.get(), "load-setup");
        c.set_model("m", model.blob, "TORCH", "CPU");
        for (int shard = 0; shard < static_cast<int>(servers); ++shard) {
            std::string in = c.shard_key("warm.in", shard), out = c.shard_key("warm.out", shard),
                        rows = c.shard_key("warm.rows", shard);
            std::vector<float> v = args.torch ? model.input : std::vector<float>{1, 2};
            std::vector<std::size_t> dims = {1, v.size()};
            c.put_tensor(in, v.data(), dims, TensorType::Float, MemoryLayout::Contiguous);
            if (args.torch)
                c.run_model("m", {in}, {out});
            else
                c.run_model("m", {in}, {out, rows});
            c.delete_tensor(in);
            c.delete_tensor(out);
            if (!args.torch) c.delete_tensor(rows);
        }
    }
    const long long keys0 = keys_of(t);
    std::vector<long long> memory0;
    for (std::size_t i = 0; i < servers; ++i)
        memory0.push_back(info_number(t, i, "memory", "used_memory"));

    std::atomic<bool> done{false};
    std::atomic<long long> peak{0};
    std::thread monitor([&] {
        while (!done) {
            long long sum = 0;
            for (std::size_t i = 0; i < servers; ++i)
                sum += info_number(t, i, "memory", "used_memory");
            peak = std::max(peak.load(), sum);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    });

    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < args.clients; ++i) {
        threads.emplace_back([&, i] {
            try {
                Worker w(i, args, t.ssdb, cluster, model, totals);
                w.run();
            } catch (const std::exception& e) {
                totals.error("client " + std::to_string(i) + ": " + e.what(), false);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    done = true;
    monitor.join();

    // Give the server's cron a moment to shrink the keyspace tables, then compare.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long long keys1 = keys_of(t);
    long long memory0_sum = 0, memory1_sum = 0, worst = 0;
    for (std::size_t i = 0; i < servers; ++i) {
        long long m1 = info_number(t, i, "memory", "used_memory");
        memory0_sum += memory0[i];
        memory1_sum += m1;
        worst = std::max(worst, m1 - memory0[i]);
    }
    bool memory_ok = worst <= args.memory_slack_kib * 1024;
    bool alive = true;
    for (std::size_t i = 0; i < servers; ++i) alive = t.alive(i) && alive;
    std::string name = cluster ? "cluster(" + std::to_string(servers) + " shards)" : "standalone";
    if (args.external) name += ", external database as user '" + t.user + "'";

    std::printf(
        "insitu_load %s: %d clients x %d ops = %lld ops in %.1f s (%.0f ops/s; puts %lld, gets "
        "%lld, run_model %lld, dataset %lld, deletes %lld); errors %lld, wrong reads %lld; keys "
        "%lld -> %lld; used_memory baseline %.2f MiB, peak %.2f MiB, after %.2f MiB (worst server "
        "%+.1f KiB); servers %s\n",
        name.c_str(), args.clients, args.ops, totals.ops.load(), seconds,
        static_cast<double>(totals.ops.load()) / seconds, totals.puts.load(), totals.gets.load(),
        totals.runs.load(), totals.datasets.load(), totals.deletes.load(), totals.errors.load(),
        totals.mismatches.load(), keys0, keys1, static_cast<double>(memory0_sum) / (1 << 20),
        static_cast<double>(peak.load()) / (1 << 20), static_cast<double>(memory1_sum) / (1 << 20),
        static_cast<double>(worst) / 1024, alive ? "up" : "DOWN");
    for (const auto& e : totals.first_errors) std::printf("  %s\n", e.c_str());
    std::fflush(stdout);
    bool ok = totals.errors == 0 && totals.mismatches == 0 && keys1 == keys0 && memory_ok &&
              alive && totals.ops == static_cast<long long>(args.clients) * args.ops;
    if (!memory_ok)
        std::printf("  used_memory did not come back within %lld KiB of the baseline\n",
                    args.memory_slack_kib);
    if (keys1 != keys0) std::printf("  keys left behind\n");
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        try {
            if (a == "--mode")
                args.mode = next();
            else if (a == "--clients")
                args.clients = std::stoi(next());
            else if (a == "--ops")
                args.ops = std::stoi(next());
            else if (a == "--seed")
                args.seed = static_cast<unsigned>(std::stoul(next()));
            else if (a == "--torch")
                args.torch = true;
            else if (a == "--external")
                args.external = true;
            else if (a == "--memory-slack-kib")
                args.memory_slack_kib = std::stoll(next());
            else
                throw std::runtime_error("unknown argument " + a);
        } catch (const std::exception& e) {
            std::fprintf(stderr,
                         "insitu_load: %s\nusage: insitu_load [--mode standalone|cluster|both] "
                         "[--external] [--clients N] [--ops M] [--seed S] [--torch] "
                         "[--memory-slack-kib K]\n",
                         e.what());
            return 2;
        }
    }
    if (args.clients < 1 || args.ops < 1 ||
        (args.mode != "standalone" && args.mode != "cluster" && args.mode != "both")) {
        std::fprintf(stderr, "insitu_load: bad --mode, --clients or --ops\n");
        return 2;
    }
    Model model;
    try {
        if (args.torch) {
            std::ifstream in(std::string(INSITU_TEST_MODELS_DIR) + "/mlp_traced.pt",
                             std::ios::binary);
            model.blob.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            model.input = read_npy(std::string(INSITU_TEST_MODELS_DIR) + "/mlp_traced.in0.npy");
            model.expected = read_npy(std::string(INSITU_TEST_MODELS_DIR) + "/mlp_traced.out0.npy");
        } else {
            model.blob = "fake:double";
        }
        if (args.external) return run_external(args, model);
        int rc = 0;
        if (args.mode != "cluster") rc |= run_mode(args, false, model);
        if (args.mode != "standalone") rc |= run_mode(args, true, model);
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "insitu_load: %s\n", e.what());
        return 1;
    }
}
