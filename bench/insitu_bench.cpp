// One benchmark scenario per invocation, printed as a JSON line. The driver (bench/run) starts the
// servers, pins processes and runs the scenarios of both placements.
//
//   insitu_bench memcpy  --size N [--seconds S]
//   insitu_bench raw     --size N --address A [--seconds S]   raw SET + GET of N bytes
//   insitu_bench tensor  --size N --address A [--seconds S]   put_tensor + unpack_tensor, float32
//   insitu_bench tensor_lat --size N --address A [--seconds S] [--samples K] [--warmup W]
//                          the same, every call timed (W untimed pairs first, default 1):
//                          medians and means of put and unpack, the client's CPU time per pair
//   insitu_bench certs   --dir D       a CA and server certificate for a TLS test server in D
//   insitu_bench ping    --address A [--seconds S]             PING round trips
//   insitu_bench ping_latency --address A [--seconds S]        the same, as latency samples
//   insitu_bench model_rt --address A --model F [--seconds S]    put 1x64 + run_model + unpack 1x10
//   insitu_bench model_io --address A [--seconds S]              put 1x64 + unpack 1x10 (no run)
//   insitu_bench model_inline --address A --model F [--seconds S] the same inference as model_rt
//                          in one round trip (run_model with input data and output buffers)
//   insitu_bench model_dag_raw --address A --model F [--seconds S] the same AI.DAGEXECUTE bytes
//                          from the raw socket client: the protocol-level reference
//   insitu_bench inproc  --plugin P --model F [--seconds S]     the backend plugin alone, in
//   process insitu_bench batch   --address A --model F --clients N --batch B [--seconds S]
//                          N threads each running the model; model stored with BATCHSIZE B (0: off)
//                          [--width W]: the model's input is 1 x W (default 64)
//   insitu_bench clients --address A --clients N --size N [--seconds S]
//                          N threads, one client each, put_tensor + unpack_tensor of their own key
//   insitu_bench dataset --address A [--seconds S]   put_dataset / get_dataset, 4 x 1 KiB +
//   metadata insitu_bench list    --address A --count N        get_datasets_from_list of N such
//   datasets
//
//   insitu_bench poll_wake --address A [--seconds S] [--frequency F]
//                          wake-up latency: a producer's put_tensor returns -> the consumer's
//                          poll_tensor (another client, another thread, poll frequency F ms,
//                          default 10) returns; AI._WAIT where the server has it, else polling
//   insitu_bench put_batch --address A --size N --batch B [--seconds S]
//                          put throughput of N-byte float32 tensors: B put_tensor calls one at a
//                          time against one put_tensors call of B tensors (B in flight),
//                          alternated; then B puts queued on an insitu::Pipeline (one flush, B
//                          futures) against the put_tensors call, alternated
//
// --ca F: the CA file (SR_TLS_CA_FILE) for an address written rediss://host:port.
// --durable N: the clients wait for N replicas after every write (SR_DURABLE_REPLICAS).
// --cluster 1 connects with SR_DB_TYPE=Clustered (A is any shard); model_rt then uses keys with a
// common hash tag so the run is slot-aligned, and reports the tensor bytes the client moved.
//
// Each scenario warms up, then alternates writes and reads for S seconds (at least 3 pairs) and
// reports the put and get rates separately plus the pair rate.
#include <insitu/client.h>
#include <insitu/dataset.h>
#include <insitu/pipeline.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "backends/backend_abi.h"
#include "raw_client.h"
#include "tls/certs.h"

namespace {

using clock_type = std::chrono::steady_clock;

struct Options {
    std::string scenario, address;
    std::size_t size = 4096;
    double seconds = 2.0;
    std::string model, plugin, ca, dir;
    int clients = 8, batch = 0, count = 256, width = 64, samples = 3, warmup = 1;
    int durable = 0;  // SR_DURABLE_REPLICAS of the clients
    int frequency = 10;
    bool cluster = false;
    int shm = 0;  // 1: the shared-memory path for every tensor size (SR_SHM_MIN_BYTES=1)
};

Options parse(int argc, char** argv) {
    if (argc < 2) throw std::invalid_argument("usage: insitu_bench <scenario> [--size N] ...");
    Options o;
    o.scenario = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--size")
            o.size = std::stoull(v);
        else if (k == "--address")
            o.address = v;
        else if (k == "--seconds")
            o.seconds = std::stod(v);
        else if (k == "--model")
            o.model = v;
        else if (k == "--plugin")
            o.plugin = v;
        else if (k == "--clients")
            o.clients = std::stoi(v);
        else if (k == "--batch")
            o.batch = std::stoi(v);
        else if (k == "--count")
            o.count = std::stoi(v);
        else if (k == "--width")
            o.width = std::stoi(v);
        else if (k == "--cluster")
            o.cluster = v == "1";
        else if (k == "--ca")
            o.ca = v;
        else if (k == "--dir")
            o.dir = v;
        else if (k == "--samples")
            o.samples = std::stoi(v);
        else if (k == "--warmup")
            o.warmup = std::stoi(v);
        else if (k == "--durable")
            o.durable = std::stoi(v);
        else if (k == "--frequency")
            o.frequency = std::stoi(v);
        else if (k == "--shm")
            o.shm = std::stoi(v);
        else
            throw std::invalid_argument("unknown option " + k);
    }
    return o;
}

// One result line (bench/run reads it with json.loads); keys in the order written.
void emit(const nlohmann::ordered_json& line) {
    std::printf("%s\n", line.dump().c_str());
}

// `x` with `decimals` decimals, the precision these lines have always had (12.3 prints as 12.3).
double rounded(double x, int decimals) {
    double scale = std::pow(10.0, decimals);
    return std::round(x * scale) / scale;
}

struct Result {
    double put_s = 0, get_s = 0;  // total seconds spent in each half
    long pairs = 0;
};

// Runs put() then get() alternately; times each half separately.
Result run_pairs(double seconds, const std::function<void()>& put,
                 const std::function<void()>& get) {
    for (int i = 0; i < 2; ++i) {  // warm-up
        put();
        get();
    }
    Result r;
    auto end = clock_type::now() + std::chrono::duration<double>(seconds);
    while (r.pairs < 3 || clock_type::now() < end) {
        auto t0 = clock_type::now();
        put();
        auto t1 = clock_type::now();
        get();
        auto t2 = clock_type::now();
        r.put_s += std::chrono::duration<double>(t1 - t0).count();
        r.get_s += std::chrono::duration<double>(t2 - t1).count();
        ++r.pairs;
    }
    return r;
}

void print(const Options& o, const Result& r, const char* put_name, const char* get_name) {
    double bytes = static_cast<double>(o.size) * static_cast<double>(r.pairs);
    const std::string put = put_name, get = get_name;
    emit({{"scenario", o.scenario},
          {"address", o.address},
          {"size", o.size},
          {"pairs", r.pairs},
          {put + "_ops", rounded(r.pairs / r.put_s, 1)},
          {get + "_ops", rounded(r.pairs / r.get_s, 1)},
          {put + "_gbps", rounded(bytes / r.put_s / 1e9, 4)},
          {get + "_gbps", rounded(bytes / r.get_s / 1e9, 4)},
          {"pair_ops", rounded(r.pairs / (r.put_s + r.get_s), 1)}});
}

// The CA file named by --ca (for rediss:// addresses); "" = none.
std::string g_ca_file;
// --durable N: every write waits for N replicas (SR_DURABLE_REPLICAS).
int g_durable = 0;
// --shm 1: tensors of any size through shared memory; 0 (default): the socket path, so that
// the transport a row measures is the one it names.
int g_shm = 0;

std::unique_ptr<insitu::Client> connect(const std::string& address, bool cluster = false) {
    auto cfg = insitu::ConfigOptions::create_empty();
    cfg->override_string_option("SSDB", address);
    cfg->override_string_option("SR_DB_TYPE", cluster ? "Clustered" : "Standalone");
    if (!g_ca_file.empty()) cfg->override_string_option("SR_TLS_CA_FILE", g_ca_file);
    cfg->override_integer_option("SR_SHM", g_shm);
    if (g_shm) cfg->override_integer_option("SR_SHM_MIN_BYTES", 1);
    if (g_durable > 0) {
        cfg->override_integer_option("SR_DURABLE_REPLICAS", g_durable);
        cfg->override_integer_option("SR_DURABLE_TIMEOUT", 10000);
    }
    return std::make_unique<insitu::Client>(cfg.get(), "bench");
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().empty()) throw std::runtime_error("cannot read " + path);
    return ss.str();
}

// Latency samples of `op` for `seconds` (after a warm-up): mean, p50, p99 in microseconds.
void latency(const Options& o, const char* name, const std::function<void()>& op) {
    for (int i = 0; i < 20; ++i) op();
    std::vector<double> us;
    auto end = clock_type::now() + std::chrono::duration<double>(o.seconds);
    while (us.size() < 50 || clock_type::now() < end) {
        auto t0 = clock_type::now();
        op();
        us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
    }
    double sum = 0;
    for (double u : us) sum += u;
    std::sort(us.begin(), us.end());
    emit({{"scenario", name},
          {"samples", us.size()},
          {"mean_us", rounded(sum / static_cast<double>(us.size()), 2)},
          {"p50_us", rounded(us[us.size() / 2], 2)},
          {"p99_us", rounded(us[us.size() * 99 / 100], 2)}});
}

// The wake-up latency of poll_tensor: the consumer (its own client and thread) starts polling, the
// producer puts the tensor a random 1..F+1 ms later (so a polling consumer is caught at every phase
// of its sleep), and the sample is the time from the producer's put_tensor returning to the
// consumer's poll returning. Negative when the server's reply reached the consumer first.
int poll_wake_scenario(const Options& o) {
    auto producer = connect(o.address, o.cluster);
    auto consumer = connect(o.address, o.cluster);
    const std::string key = "bench:wake";
    std::vector<float> data(16, 1.0f);
    producer->delete_tensor(key);  // a leftover of an earlier run (UNLINK: no error when none)
    std::mutex m;
    std::condition_variable cv;
    int started = 0, finished = 0;
    bool stop = false, woke = true;
    clock_type::time_point returned;
    std::thread t([&] {
        for (int i = 1;; ++i) {
            {
                std::unique_lock<std::mutex> lk(m);
                cv.wait(lk, [&] { return stop || started == i; });
                if (stop) return;
            }
            // Up to 60 s in total, so that a lost wake-up shows as a stall, not a hang.
            bool ok = consumer->poll_tensor(key, o.frequency, 60'000 / std::max(o.frequency, 1));
            auto at = clock_type::now();
            std::lock_guard<std::mutex> lk(m);
            returned = at;
            woke = woke && ok;
            finished = i;
            cv.notify_all();
        }
    });
    std::uint64_t seed = 12345;
    auto next_delay_us = [&] {  // 1 ms + uniform in [0, F] ms
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        return 1000 + static_cast<long>((seed >> 33) %
                                        (static_cast<std::uint64_t>(o.frequency) * 1000 + 1));
    };
    std::vector<double> us, from_start;
    auto end = clock_type::now() + std::chrono::duration<double>(o.seconds);
    for (int i = 1; us.size() < 30 || clock_type::now() < end; ++i) {
        {
            std::lock_guard<std::mutex> lk(m);
            started = i;
        }
        cv.notify_all();
        std::this_thread::sleep_for(std::chrono::microseconds(next_delay_us()));
        auto put_start = clock_type::now();
        producer->put_tensor(key, data.data(), {data.size()}, insitu::TensorType::Float,
                             insitu::MemoryLayout::Contiguous);
        auto put_done = clock_type::now();
        {
            std::unique_lock<std::mutex> lk(m);
            cv.wait(lk, [&] { return finished == i; });
            if (i > 3) {  // warm-up: connections made, AI._WAIT support found out
                us.push_back(
                    std::chrono::duration<double, std::micro>(returned - put_done).count());
                from_start.push_back(
                    std::chrono::duration<double, std::micro>(returned - put_start).count());
            }
        }
        producer->delete_tensor(key);
    }
    {
        std::lock_guard<std::mutex> lk(m);
        stop = true;
    }
    cv.notify_all();
    t.join();
    if (!woke) throw std::runtime_error("poll_wake: a poll returned false");
    double sum = 0;
    for (double u : us) sum += u;
    std::sort(us.begin(), us.end());
    std::sort(from_start.begin(), from_start.end());
    // p50/p99: from put_tensor returning (the measure); *_from_put_start: from the
    // producer calling put_tensor (what a wake-up costs next to the write's own round trip).
    emit({{"scenario", "poll_wake"},
          {"poll_frequency_ms", o.frequency},
          {"samples", us.size()},
          {"mean_us", rounded(sum / static_cast<double>(us.size()), 2)},
          {"p50_us", rounded(us[us.size() / 2], 2)},
          {"p99_us", rounded(us[us.size() * 99 / 100], 2)},
          {"p50_from_put_start_us", rounded(from_start[from_start.size() / 2], 2)},
          {"p99_from_put_start_us", rounded(from_start[from_start.size() * 99 / 100], 2)}});
    return 0;
}

// B tensors of `size` bytes per round, one put_tensor at a time vs one put_tensors of all B,
// alternating rounds so that both see the same machine; puts per second of each. The Pipeline
// (B puts queued, one flush, every future waited on) is timed against put_tensors the same way:
// what its queue and futures cost over the batch call they use.
int put_batch_scenario(const Options& o) {
    if (o.size % 4 || o.batch < 1)
        throw std::invalid_argument("put_batch: --size 4k, --batch >= 1");
    auto c = connect(o.address, o.cluster);
    const std::size_t b = static_cast<std::size_t>(o.batch);
    std::vector<std::vector<float>> data(b, std::vector<float>(o.size / 4));
    for (std::size_t i = 0; i < b; ++i)
        for (std::size_t k = 0; k < data[i].size(); ++k) data[i][k] = static_cast<float>(i + k);
    std::vector<std::string> names;
    std::vector<insitu::InputTensor> ins;
    for (std::size_t i = 0; i < b; ++i) {
        names.push_back("bench:batch:" + std::to_string(i));
        ins.push_back({data[i].data(),
                       {data[i].size()},
                       insitu::TensorType::Float,
                       insitu::MemoryLayout::Contiguous});
    }
    auto singles = [&] {
        for (std::size_t i = 0; i < b; ++i)
            c->put_tensor(names[i], data[i].data(), ins[i].dims, insitu::TensorType::Float,
                          insitu::MemoryLayout::Contiguous);
    };
    auto batch = [&] { c->put_tensors(names, ins); };
    auto queued = [&] {
        insitu::Pipeline p(*c, 0);
        std::vector<std::future<void>> done;
        for (std::size_t i = 0; i < b; ++i)
            done.push_back(p.put_tensor(names[i], data[i].data(), ins[i].dims,
                                        insitu::TensorType::Float,
                                        insitu::MemoryLayout::Contiguous));
        p.flush();
        for (auto& f : done) f.get();
    };
    auto r = run_pairs(o.seconds, singles, batch);
    auto q = run_pairs(o.seconds, queued, batch);
    std::vector<float> back(data.back().size());
    c->unpack_tensor(names.back(), back.data(), {back.size()}, insitu::TensorType::Float,
                     insitu::MemoryLayout::Contiguous);
    if (back != data.back()) throw std::runtime_error("put_batch: data mismatch");
    const double one = static_cast<double>(r.pairs * o.batch) / r.put_s;
    const double many = static_cast<double>(r.pairs * o.batch) / r.get_s;
    const double pipelined = static_cast<double>(q.pairs * o.batch) / q.put_s;
    const double many_q = static_cast<double>(q.pairs * o.batch) / q.get_s;
    emit({{"scenario", "put_batch"},
          {"size", o.size},
          {"in_flight", o.batch},
          {"rounds", r.pairs},
          {"one_at_a_time_puts_per_s", rounded(one, 1)},
          {"in_flight_puts_per_s", rounded(many, 1)},
          {"ratio", rounded(many / one, 2)},
          {"pipeline_puts_per_s", rounded(pipelined, 1)},
          {"pipeline_ratio", rounded(pipelined / one, 2)},
          {"pipeline_vs_put_tensors", rounded(pipelined / many_q, 2)}});
    return 0;
}

int model_scenarios(const Options& o) {
    std::vector<float> in(64), out(10);
    for (int i = 0; i < 64; ++i) in[static_cast<std::size_t>(i)] = 0.01f * static_cast<float>(i);
    const std::vector<std::size_t> in_dims = {1, 64}, out_dims = {1, 10};
    using insitu::MemoryLayout;
    using insitu::TensorType;
    if (o.scenario == "inproc") {
        void* h = ::dlopen(o.plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
        auto get = reinterpret_cast<insitu_backend_get_api_fn>(::dlsym(h, INSITU_BACKEND_ENTRY));
        const insitu_backend_api* api = get(INSITU_BACKEND_ABI_VERSION);
        insitu_error err{};
        if (api->init(nullptr, 0, 0, &err) != 0) throw std::runtime_error(err.message);
        std::string blob = read_file(o.model);
        insitu_model_options mo{};
        mo.device = "CPU";
        void* model = nullptr;
        if (api->model_create(blob.data(), blob.size(), &mo, &model, &err) != 0)
            throw std::runtime_error(err.message);
        int64_t shape[2] = {1, 64};
        insitu_tensor_view v{static_cast<int>(TensorType::Float), 2, shape, in.data(), 256};
        latency(o, "inproc", [&] {
            insitu_output res{};
            if (api->model_run(model, &v, 1, &res, 1, &err) != 0)
                throw std::runtime_error(err.message);
            if (res.release) res.release(res.owner);
        });
        api->model_free(model);
        return 0;
    }
    if (o.scenario == "ping_latency") {
        insitu::bench::RawClient rc(o.address);
        latency(o, "ping_latency", [&] { rc.ping(); });
        return 0;
    }
    auto c = connect(o.address, o.cluster);
    if (o.scenario == "model_io") {
        c->put_tensor("bench:out", out.data(), out_dims, TensorType::Float,
                      MemoryLayout::Contiguous);
        latency(o, "model_io", [&] {
            c->put_tensor("bench:in", in.data(), in_dims, TensorType::Float,
                          MemoryLayout::Contiguous);
            c->unpack_tensor("bench:out", out.data(), out_dims, TensorType::Float,
                             MemoryLayout::Contiguous);
        });
        return 0;
    }
    if (o.scenario == "model_rt") {
        // One hash tag: on a cluster the inputs and outputs share a slot, so the run goes to the
        // shard holding them and no tensor crosses shards.
        const std::string ik = "{bench}:in", ok = "{bench}:out";
        c->set_model_from_file("bench:mlp", o.model, "TORCH", "CPU");
        c->reset_bytes_moved();
        latency(o, o.cluster ? "model_rt_cluster" : "model_rt", [&] {
            c->put_tensor(ik, in.data(), in_dims, TensorType::Float, MemoryLayout::Contiguous);
            c->run_model("bench:mlp", {ik}, {ok});
            c->unpack_tensor(ok, out.data(), out_dims, TensorType::Float, MemoryLayout::Contiguous);
        });
        emit({{"scenario", "bytes_moved"}, {"bytes", c->bytes_moved()}});
        return 0;
    }
    if (o.scenario == "model_inline") {
        // One AI.DAGEXECUTE per inference; on a cluster it runs on the client's shard's copy.
        c->set_model_from_file("bench:mlp", o.model, "TORCH", "CPU");
        const std::vector<insitu::InputTensor> ins{{in.data(), in_dims, TensorType::Float}};
        const std::vector<insitu::OutputTensor> outs{{out.data(), out_dims, TensorType::Float}};
        latency(o, o.cluster ? "model_inline_cluster" : "model_inline",
                [&] { c->run_model("bench:mlp", ins, outs); });
        return 0;
    }
    if (o.scenario == "model_dag_raw") {
        c->set_model_from_file("bench:mlp", o.model, "TORCH", "CPU");
        insitu::bench::RawClient rc(o.address);
        // What run_model sends for this inference, encoded by hand.
        std::vector<std::string> before = {"AI.DAGEXECUTE", "ROUTING", "bench:mlp",    "TIMEOUT",
                                           "3600000",       "|>",      "AI.TENSORSET", "in0",
                                           "FLOAT",         "1",       "64",           "BLOB"};
        std::vector<std::string> after = {
            "|>", "AI.MODELEXECUTE", "bench:mlp", "INPUTS", "1",   "in0", "OUTPUTS", "1", "out0",
            "|>", "AI.TENSORGET",    "out0",      "META",   "BLOB"};
        auto bulk = [](const std::string& a) {
            return "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
        };
        std::string head = "*" + std::to_string(before.size() + 1 + after.size()) + "\r\n";
        for (const auto& a : before) head += bulk(a);
        head += "$" + std::to_string(in.size() * sizeof(float)) + "\r\n";
        std::string tail = "\r\n";
        for (const auto& a : after) tail += bulk(a);
        latency(o, "model_dag_raw", [&] {
            rc.command(head, in.data(), in.size() * sizeof(float), tail, out.data(),
                       out.size() * sizeof(float));
        });
        return 0;
    }
    if (o.scenario == "batch") {
        c->set_model_from_file("bench:mlpb", o.model, "TORCH", "CPU", o.batch);
        std::atomic<long> runs{0};
        std::atomic<bool> stop{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < o.clients; ++t) {
            threads.emplace_back([&, t] {
                auto cc = connect(o.address);
                std::string ik = "bench:bin" + std::to_string(t),
                            ok = "bench:bout" + std::to_string(t);
                std::vector<float> x(static_cast<std::size_t>(o.width), 0.5f);
                cc->put_tensor(ik, x.data(), {1, x.size()}, TensorType::Float,
                               MemoryLayout::Contiguous);
                while (!stop) {
                    cc->run_model("bench:mlpb", {ik}, {ok});
                    ++runs;
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds * 0.2));  // warm-up
        long start = runs.load();
        auto t0 = clock_type::now();
        std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
        long done = runs.load() - start;
        double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
        stop = true;
        for (auto& th : threads) th.join();
        emit({{"scenario", "batch"},
              {"clients", o.clients},
              {"batch", o.batch},
              {"width", o.width},
              {"runs_per_s", rounded(static_cast<double>(done) / secs, 1)}});
        return 0;
    }
    throw std::invalid_argument("unknown scenario " + o.scenario);
}

insitu::DataSet make_dataset(const std::string& name, int seed) {
    insitu::DataSet ds(name);
    std::vector<float> t(256);
    for (int k = 0; k < 4; ++k) {
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] = static_cast<float>(seed * 1000 + k) + 0.5f * static_cast<float>(i);
        ds.add_tensor("t" + std::to_string(k), t.data(), {256}, insitu::TensorType::Float,
                      insitu::MemoryLayout::Contiguous);
    }
    double step = seed;
    std::int64_t rank = seed % 16;
    ds.add_meta_scalar("time", &step, insitu::MetaDataType::Double);
    ds.add_meta_scalar("rank", &rank, insitu::MetaDataType::Int64);
    ds.add_meta_string("units", "kelvin");
    return ds;
}

void check_dataset(const insitu::DataSet& ds, int seed) {
    std::vector<float> t(256);
    ds.unpack_tensor("t3", t.data(), {256}, insitu::TensorType::Float,
                     insitu::MemoryLayout::Contiguous);
    if (t[10] != static_cast<float>(seed * 1000 + 3) + 5.0f)
        throw std::runtime_error("dataset: data mismatch");
}

// Datasets: single put/get latency, and one list read of o.count datasets (the whole call).
int dataset_scenarios(const Options& o) {
    auto c = connect(o.address, o.cluster);
    if (o.scenario == "dataset") {
        auto ds = make_dataset("bench_ds", 7);
        latency(o, "dataset_put", [&] { c->put_dataset(ds); });
        latency(o, "dataset_get", [&] { check_dataset(c->get_dataset("bench_ds"), 7); });
        return 0;
    }
    const std::string list = "bench_list";
    c->delete_list(list);
    for (int i = 0; i < o.count; ++i) {
        auto ds = make_dataset("bench_lds_" + std::to_string(i), i);
        c->put_dataset(ds);
        c->append_to_list(list, ds);
    }
    latency(o, "list_get", [&] {
        auto all = c->get_datasets_from_list(list);
        if (all.size() != static_cast<std::size_t>(o.count))
            throw std::runtime_error("list: wrong length");
        check_dataset(all.back(), o.count - 1);
    });
    return 0;
}

// N clients, each its own connection and key, put + unpack of o.size bytes; aggregate rate.
int clients_scenario(const Options& o) {
    if (o.size % 4) throw std::invalid_argument("size must be a multiple of 4");
    std::atomic<long> pairs{0};
    std::atomic<bool> go{false}, stop{false};
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    std::vector<std::string> errors(static_cast<std::size_t>(o.clients));
    for (int t = 0; t < o.clients; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto c = connect(o.address, o.cluster);
                std::vector<char> src(o.size, static_cast<char>(t + 1)), dst(o.size);
                std::vector<std::size_t> dims = {o.size / 4};
                std::string key = "bench:c" + std::to_string(t);
                auto pair = [&] {
                    c->put_tensor(key, src.data(), dims, insitu::TensorType::Float,
                                  insitu::MemoryLayout::Contiguous);
                    c->unpack_tensor(key, dst.data(), dims, insitu::TensorType::Float,
                                     insitu::MemoryLayout::Contiguous);
                };
                pair();
                ++ready;
                while (!go) std::this_thread::yield();
                while (!stop) {
                    pair();
                    ++pairs;
                }
                if (dst != src) throw std::runtime_error("data mismatch");
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(t)] = e.what();
                ++ready;
            }
        });
    }
    while (ready < o.clients) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    go = true;
    auto t0 = clock_type::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    long done = pairs.load();
    double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    stop = true;
    for (auto& th : threads) th.join();
    for (auto& e : errors)
        if (!e.empty()) throw std::runtime_error("client: " + e);
    double bytes = 2.0 * static_cast<double>(o.size) * static_cast<double>(done);
    emit({{"scenario", "clients"},
          {"clients", o.clients},
          {"size", o.size},
          {"pairs", done},
          {"pair_ops", rounded(static_cast<double>(done) / secs, 1)},
          {"gbps", rounded(bytes / secs / 1e9, 4)}});
    return 0;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double mean(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
}

// put_tensor and unpack_tensor of o.size bytes alternately, each call timed (µs): medians, which a
// few scheduler stalls on a shared machine do not move, and means. At least o.samples pairs.
int tensor_latency(const Options& o, const std::vector<char>& src, std::vector<char>& dst) {
    if (o.size % 4) throw std::invalid_argument("tensor size must be a multiple of 4");
    auto c = connect(o.address, o.cluster);
    const std::vector<std::size_t> dims = {o.size / 4};
    std::vector<double> put_us, get_us;
    auto pair = [&](bool keep) {
        auto t0 = clock_type::now();
        c->put_tensor("bench:tensor", src.data(), dims, insitu::TensorType::Float,
                      insitu::MemoryLayout::Contiguous);
        auto t1 = clock_type::now();
        c->unpack_tensor("bench:tensor", dst.data(), dims, insitu::TensorType::Float,
                         insitu::MemoryLayout::Contiguous);
        auto t2 = clock_type::now();
        if (!keep) return;
        put_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        get_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
    };
    for (int i = 0; i < o.warmup; ++i) pair(false);  // connection, server buffers, page faults
    // CPU time too: on a loaded machine it moves less than wall time.
    auto cpu_us = [] {
        rusage u{};
        ::getrusage(RUSAGE_SELF, &u);
        auto us = [](const timeval& t) {
            return 1e6 * static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec);
        };
        return us(u.ru_utime) + us(u.ru_stime);
    };
    const double cpu0 = cpu_us();
    auto end = clock_type::now() + std::chrono::duration<double>(o.seconds);
    while (put_us.size() < static_cast<std::size_t>(std::max(o.samples, 1)) ||
           clock_type::now() < end)
        pair(true);
    const double cpu_per_pair = (cpu_us() - cpu0) / static_cast<double>(put_us.size());
    if (std::memcmp(src.data(), dst.data(), o.size) != 0)
        throw std::runtime_error("tensor_lat: data mismatch");
    const double put_p50 = median(put_us), get_p50 = median(get_us);
    const double bytes = static_cast<double>(o.size);
    emit({{"scenario", "tensor_lat"},
          {"address", o.address},
          {"size", o.size},
          {"samples", put_us.size()},
          {"put_p50_us", rounded(put_p50, 1)},
          {"put_mean_us", rounded(mean(put_us), 1)},
          {"get_p50_us", rounded(get_p50, 1)},
          {"get_mean_us", rounded(mean(get_us), 1)},
          {"put_gbps", rounded(bytes / put_p50 / 1e3, 4)},
          {"get_gbps", rounded(bytes / get_p50 / 1e3, 4)},
          {"client_cpu_us_per_pair", rounded(cpu_per_pair, 1)}});
    return 0;
}

}  // namespace

int main(int argc, char** argv) try {
    Options o = parse(argc, argv);
    g_ca_file = o.ca;
    g_durable = o.durable;
    g_shm = o.shm;
    if (o.scenario == "certs") {
        if (o.dir.empty()) throw std::invalid_argument("certs needs --dir");
        insitu::tls::generate_experiment_certs(o.dir);
        return 0;
    }
    std::vector<char> src(o.size), dst(o.size);
    for (std::size_t i = 0; i < o.size; ++i) src[i] = static_cast<char>(i * 7);

    if (o.scenario == "memcpy") {
        // Both directions are the same operation; report it as put and get for a uniform table.
        auto r = run_pairs(
            o.seconds, [&] { std::memcpy(dst.data(), src.data(), o.size); },
            [&] { std::memcpy(src.data(), dst.data(), o.size); });
        print(o, r, "put", "get");
    } else if (o.scenario == "raw") {
        insitu::bench::RawClient c(o.address);
        auto r = run_pairs(
            o.seconds, [&] { c.set("bench:raw", src.data(), o.size); },
            [&] { c.get("bench:raw", dst.data(), o.size); });
        if (std::memcmp(src.data(), dst.data(), o.size) != 0)
            throw std::runtime_error("raw: data mismatch");
        print(o, r, "put", "get");
    } else if (o.scenario == "tensor") {
        if (o.size % 4) throw std::invalid_argument("tensor size must be a multiple of 4");
        auto client = connect(o.address);
        insitu::Client& c = *client;
        std::vector<std::size_t> dims = {o.size / 4};
        auto r = run_pairs(
            o.seconds,
            [&] {
                c.put_tensor("bench:tensor", src.data(), dims, insitu::TensorType::Float,
                             insitu::MemoryLayout::Contiguous);
            },
            [&] {
                c.unpack_tensor("bench:tensor", dst.data(), dims, insitu::TensorType::Float,
                                insitu::MemoryLayout::Contiguous);
            });
        if (std::memcmp(src.data(), dst.data(), o.size) != 0)
            throw std::runtime_error("tensor: data mismatch");
        print(o, r, "put", "get");
    } else if (o.scenario == "tensor_lat") {
        return tensor_latency(o, src, dst);
    } else if (o.scenario == "ping") {
        insitu::bench::RawClient c(o.address);
        auto r = run_pairs(
            o.seconds, [&] { c.ping(); }, [&] { c.ping(); });
        print(o, r, "put", "get");
    } else if (o.scenario == "dataset" || o.scenario == "list") {
        return dataset_scenarios(o);
    } else if (o.scenario == "clients") {
        return clients_scenario(o);
    } else if (o.scenario == "put_batch") {
        return put_batch_scenario(o);
    } else if (o.scenario == "poll_wake") {
        return poll_wake_scenario(o);
    } else {
        return model_scenarios(o);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "insitu_bench: %s\n", e.what());
    return 1;
}
