// The telemetry files without a database: the writer's bounds (rotation, compaction), the
// reader's incremental reads across a rotation, dead drivers, and the Prometheus text.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "telemetry/prometheus.h"
#include "telemetry/reader.h"
#include "telemetry/schema.h"
#include "telemetry/writer.h"

namespace fs = std::filesystem;
using namespace insitu::telemetry;

namespace {

struct TempExp {
    fs::path dir;
    TempExp() {
        char tmpl[] = "/tmp/insitu-telemetry-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~TempExp() { fs::remove_all(dir); }
};

std::string shard_line(double t, long long keys, const std::string& driver = "1-1") {
    return std::string(R"({"schema":"insitu.telemetry/1","kind":"shard","t":)") +
           std::to_string(t) + R"(,"driver":")" + driver +
           R"(","db":"orchestrator","shard":"orchestrator_0","address":"127.0.0.1:1","up":true,)" +
           R"("used_memory":1000,"connected_clients":2,"instantaneous_ops_per_sec":3,"keys":)" +
           std::to_string(keys) +
           R"(,"keyspace_hits":4,"keyspace_misses":5,"objects":[{"key":"{\\x9a}.mlp",)" +
           R"("type":"MODEL","backend":"TORCH","device":"CPU","tag":"","calls":)" +
           std::to_string(keys) + R"(,"errors":0,"duration_us":2000,"samples":7}]})";
}

std::string job_line(const char* kind, const std::string& driver, const std::string& name,
                     const std::string& status = "Running") {
    std::string base = std::string(R"({"schema":"insitu.telemetry/1","kind":")") + kind +
                       R"(","t":1700000000.5,"driver":")" + driver + R"(","name":")" + name +
                       R"(","run":0,"job_id":"42")";
    if (std::string(kind) == "status")
        return base + R"(,"status":")" + status + R"(","returncode":null})";
    return base + R"(,"type":"Model","entity":")" + name +
           R"(","path":"/p","out_log":"/p/x.out","err_log":"/p/x.err"})";
}

std::uintmax_t folder_bytes(const fs::path& dir) {
    std::uintmax_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.file_size();
    return n;
}

}  // namespace

TEST(TelemetryFiles, SamplesRotateWithinTheBudgetAndTheReaderFollows) {
    TempExp exp;
    const std::size_t budget = 256 * 1024;  // ~200 samples per file: rotations between reads
    Writer w(telemetry_dir(exp.dir.string()), budget);
    Reader r(exp.dir.string(), 50);
    const std::size_t line = shard_line(1e9, 1000).size() + 1;
    for (int i = 0; i < 2000; ++i) {
        w.append_sample(shard_line(1.7e9 + i, i));
        if (i % 97 == 0) {
            ASSERT_TRUE(r.refresh());  // reads across rotations as they happen
        }
        ASSERT_LE(folder_bytes(w.dir()), budget + line);
    }
    EXPECT_TRUE(fs::exists(fs::path(w.dir()) / k_old_samples_file));
    ASSERT_TRUE(r.refresh());
    const auto& s = r.snapshot();
    ASSERT_EQ(s.shards.size(), 1u);
    EXPECT_EQ(s.shards[0].latest.keys, 1999);
    ASSERT_EQ(s.shards[0].series.size(), 50u);  // max_points
    for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(s.shards[0].series[i].keys, 1950 + (long)i);
    ASSERT_EQ(s.shards[0].objects.size(), 1u);
    EXPECT_EQ(s.shards[0].objects[0].name, "mlp");  // the cluster copy's prefix dropped
    // A fresh reader sees the same latest state from the two files.
    Reader fresh(exp.dir.string(), 5000);
    ASSERT_TRUE(fresh.refresh());
    EXPECT_EQ(fresh.snapshot().shards[0].latest.keys, 1999);
    EXPECT_LT(fresh.snapshot().shards[0].series.size(), 2000u);
}

TEST(TelemetryFiles, EntityRecordsCompactToTheLatestStateOfEachJob) {
    TempExp exp;
    const std::size_t budget = 8 * 1024;  // 2 KiB for entity records
    Writer w(telemetry_dir(exp.dir.string()), budget);
    w.append_entity(job_line("entity", "1-1", "keep"));
    for (int i = 0; i < 100; ++i) w.append_entity(job_line("status", "1-1", "keep", "Running"));
    w.append_entity(job_line("status", "1-1", "keep", "Completed"));
    EXPECT_LE(fs::file_size(fs::path(w.dir()) / k_entities_file), budget / 4);
    Reader r(exp.dir.string());
    ASSERT_TRUE(r.refresh());
    ASSERT_EQ(r.snapshot().jobs.size(), 1u);
    EXPECT_EQ(r.snapshot().jobs[0].status, "Completed");
    EXPECT_EQ(r.snapshot().jobs[0].out_log, "/p/x.out");  // the settings survived compaction
}

TEST(TelemetryFiles, JobsOfADeadDriverAreUnknownAndOthersOfAnotherSchemaIgnored) {
    TempExp exp;
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);  // a pid that no longer exists
    std::string dead = std::to_string(child) + "-1";
    Writer w(telemetry_dir(exp.dir.string()), 1 << 20);
    w.append_entity(R"({"schema":"insitu.telemetry/1","kind":"driver","t":1.5,"driver":")" + dead +
                    R"(","experiment":"e","exp_path":"/e","pid":)" + std::to_string(child) +
                    R"(,"interval_s":1.0,"max_bytes":1})");
    w.append_entity(job_line("entity", dead, "app"));
    w.append_entity(job_line("status", dead, "app", "Running"));
    w.append_entity(job_line("entity", dead, "done"));
    w.append_entity(job_line("status", dead, "done", "Completed"));
    w.append_entity(R"({"schema":"insitu.telemetry/2","kind":"entity","name":"future"})");
    w.append_entity("not json");
    Reader r(exp.dir.string());
    ASSERT_TRUE(r.refresh());
    const auto& s = r.snapshot();
    EXPECT_FALSE(s.driver_alive);
    EXPECT_EQ(s.experiment, "e");
    ASSERT_EQ(s.jobs.size(), 2u);
    EXPECT_EQ(s.jobs[0].status, "Unknown");
    EXPECT_EQ(s.jobs[1].status, "Completed");
}

TEST(TelemetryFiles, PrometheusTextEscapesLabelsAndDeclaresEveryFamily) {
    Snapshot s;
    ShardView sh;
    sh.db = "d\"b";
    sh.shard = "s\\0\nx";
    sh.latest.up = true;
    sh.latest.keys = 3;
    ObjectView o;
    o.db = sh.db;
    o.shard = sh.shard;
    o.name = "mlp";
    o.type = "MODEL";
    o.calls = 5;
    o.duration_us = 1500000;
    sh.objects.push_back(o);
    s.shards.push_back(sh);
    std::string text = prometheus_text(s);
    EXPECT_NE(text.find(R"(insitu_shard_keys{db="d\"b",shard="s\\0\nx"} 3)"), std::string::npos)
        << text;
    EXPECT_NE(text.find("insitu_model_run_seconds_total{"), std::string::npos);
    EXPECT_NE(text.find("} 1.5\n"), std::string::npos);
    // Every sample's family has HELP and TYPE before it.
    std::string declared;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.rfind("# TYPE ", 0) == 0) declared = line.substr(7, line.find(' ', 7) - 7);
        if (line.empty() || line[0] == '#') continue;
        EXPECT_EQ(line.rfind(declared, 0), 0u) << line;
        EXPECT_EQ(line.rfind("insitu_", 0), 0u) << line;
    }
}

TEST(TelemetryFiles, OptionsFromTheEnvironment) {
    ::setenv("INSITU_TELEMETRY", "0", 1);
    ::setenv("INSITU_TELEMETRY_INTERVAL", "0.25", 1);
    ::setenv("INSITU_TELEMETRY_MAX_MB", "0.5", 1);
    Options o = options_from_env();
    EXPECT_FALSE(o.enabled);
    EXPECT_DOUBLE_EQ(o.interval_s, 0.25);
    EXPECT_EQ(o.max_bytes, 512u * 1024);
    ::setenv("INSITU_TELEMETRY", "1", 1);
    ::setenv("INSITU_TELEMETRY_INTERVAL", "-3", 1);  // ignored, not a busy loop
    ::setenv("INSITU_TELEMETRY_MAX_MB", "12x", 1);
    o = options_from_env();
    EXPECT_TRUE(o.enabled);
    EXPECT_DOUBLE_EQ(o.interval_s, 1.0);
    EXPECT_EQ(o.max_bytes, 64u << 20);
    ::unsetenv("INSITU_TELEMETRY");
    ::unsetenv("INSITU_TELEMETRY_INTERVAL");
    ::unsetenv("INSITU_TELEMETRY_MAX_MB");
}
