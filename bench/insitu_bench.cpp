// One benchmark scenario per invocation, printed as a JSON line. The driver (bench/run) starts the
// servers, pins processes and runs the scenarios of both placements.
//
//   insitu_bench memcpy  --size N [--seconds S]
//   insitu_bench raw     --size N --address A [--seconds S]   raw SET + GET of N bytes
//   insitu_bench tensor  --size N --address A [--seconds S]   put_tensor + unpack_tensor, float32
//   insitu_bench ping    --address A [--seconds S]             PING round trips
//
// Each scenario warms up, then alternates writes and reads for S seconds (at least 3 pairs) and
// reports the put and get rates separately plus the pair rate.
#include <insitu/client.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "raw_client.h"

namespace {

using clock_type = std::chrono::steady_clock;

struct Options {
    std::string scenario, address;
    std::size_t size = 4096;
    double seconds = 2.0;
};

Options parse(int argc, char** argv) {
    if (argc < 2) throw std::invalid_argument("usage: insitu_bench <scenario> [--size N] ...");
    Options o;
    o.scenario = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--size") o.size = std::stoull(v);
        else if (k == "--address") o.address = v;
        else if (k == "--seconds") o.seconds = std::stod(v);
        else throw std::invalid_argument("unknown option " + k);
    }
    return o;
}

struct Result {
    double put_s = 0, get_s = 0;  // total seconds spent in each half
    long pairs = 0;
};

// Runs put() then get() alternately; times each half separately.
Result run_pairs(double seconds, const std::function<void()>& put, const std::function<void()>& get) {
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
    std::printf(
        "{\"scenario\":\"%s\",\"address\":\"%s\",\"size\":%zu,\"pairs\":%ld,"
        "\"%s_ops\":%.1f,\"%s_ops\":%.1f,\"%s_gbps\":%.4f,\"%s_gbps\":%.4f,\"pair_ops\":%.1f}\n",
        o.scenario.c_str(), o.address.c_str(), o.size, r.pairs, put_name, r.pairs / r.put_s,
        get_name, r.pairs / r.get_s, put_name, bytes / r.put_s / 1e9, get_name,
        bytes / r.get_s / 1e9, r.pairs / (r.put_s + r.get_s));
}

}  // namespace

int main(int argc, char** argv) try {
    Options o = parse(argc, argv);
    std::vector<char> src(o.size), dst(o.size);
    for (std::size_t i = 0; i < o.size; ++i) src[i] = static_cast<char>(i * 7);

    if (o.scenario == "memcpy") {
        // Both directions are the same operation; report it as put and get for a uniform table.
        auto r = run_pairs(o.seconds, [&] { std::memcpy(dst.data(), src.data(), o.size); },
                           [&] { std::memcpy(src.data(), dst.data(), o.size); });
        print(o, r, "put", "get");
    } else if (o.scenario == "raw") {
        insitu::bench::RawClient c(o.address);
        auto r = run_pairs(o.seconds, [&] { c.set("bench:raw", src.data(), o.size); },
                           [&] { c.get("bench:raw", dst.data(), o.size); });
        if (std::memcmp(src.data(), dst.data(), o.size) != 0) throw std::runtime_error("raw: data mismatch");
        print(o, r, "put", "get");
    } else if (o.scenario == "tensor") {
        if (o.size % 4) throw std::invalid_argument("tensor size must be a multiple of 4");
        auto cfg = insitu::ConfigOptions::create_empty();
        cfg->override_string_option("SSDB", o.address);
        cfg->override_string_option("SR_DB_TYPE", "Standalone");
        insitu::Client c(cfg.get(), "bench");
        std::vector<std::size_t> dims = {o.size / 4};
        auto r = run_pairs(
            o.seconds,
            [&] { c.put_tensor("bench:tensor", src.data(), dims, insitu::TensorType::Float,
                               insitu::MemoryLayout::Contiguous); },
            [&] { c.unpack_tensor("bench:tensor", dst.data(), dims, insitu::TensorType::Float,
                                  insitu::MemoryLayout::Contiguous); });
        if (std::memcmp(src.data(), dst.data(), o.size) != 0) throw std::runtime_error("tensor: data mismatch");
        print(o, r, "put", "get");
    } else if (o.scenario == "ping") {
        insitu::bench::RawClient c(o.address);
        auto r = run_pairs(o.seconds, [&] { c.ping(); }, [&] { c.ping(); });
        print(o, r, "put", "get");
    } else {
        throw std::invalid_argument("unknown scenario " + o.scenario);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "insitu_bench: %s\n", e.what());
    return 1;
}
