// Databases under Slurm: a 3-shard cluster as steps of an allocation, used by an application on
// the other node; a database submitted as a batch job and cancelled with scancel; an MPI
// application (srun --mpi=pmix, Open MPI) with a co-located database per node, not per rank.
#include <gtest/gtest.h>
#include <insitu/client.h>
#include <insitu/experiment.h>
#include <insitu/slurm.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "launch/db/acl_users.h"
#include "launch/db/db_command.h"
#include "launch_test_util.h"
#include "slurm_cluster.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

}  // namespace

TEST(SlurmDatabase, ThreeShardsInAnAllocationUsedFromTheOtherNode) {
    SlurmCluster c;
    // Whole nodes (4 CPUs each), as HPC allocations usually are.
    std::string alloc = slurm::get_allocation(2, "00:10:00", {{"exclusive", ""}});
    std::string dir = make_temp_dir("exp-slurm-db");
    {
        Experiment exp("db", dir, "slurm");
        auto db = exp.create_database(0, 3, "lo");
        db->set_alloc(alloc);
        db->set_hosts({"n1"});  // three task slots on one node: three ports
        exp.start(db);
        auto addrs = db->get_address();
        ASSERT_EQ(addrs.size(), 3u);
        EXPECT_TRUE(db->is_active());
        // Each shard is a step of the allocation on n1, and reported its own address.
        auto steps = c.run({"squeue", "-h", "-s", "-j", alloc, "-o", "%j %N"});
        for (int i = 0; i < 3; ++i) {
            std::string out =
                read_text(dir + "/orchestrator/orchestrator_" + std::to_string(i) + ".out");
            EXPECT_NE(out.find("INSITU_SHARD_INFO name=orchestrator_" + std::to_string(i) +
                               " host=127.0.0.1 port=" +
                               addrs[static_cast<std::size_t>(i)].substr(10) + " node=n1"),
                      std::string::npos)
                << out;
            EXPECT_NE(steps.out.find("orchestrator_" + std::to_string(i) + "-"), std::string::npos)
                << steps.out;
        }
        // Secure by default under Slurm too: run-shard's config took the secrets folder's users.
        auto noauth = launch::db_command(addrs[0], {"PING"});
        ASSERT_TRUE(noauth);
        EXPECT_EQ(noauth->str.rfind("NOAUTH", 0), 0u) << noauth->str;
        auto info = launch::db_command(addrs[0], {"CLUSTER", "INFO"}, 2000,
                                       launch::admin_auth(db->secrets_dir()));
        ASSERT_TRUE(info);
        EXPECT_NE(info->str.find("cluster_state:ok"), std::string::npos);
        EXPECT_NE(info->str.find("cluster_known_nodes:3"), std::string::npos);

        // The application: a step on the other node, with SSDB handed over.
        auto rs = exp.create_run_settings(SLURM_CLIENT_APP, {}, "srun");
        rs.run_args["jobid"] = alloc;
        rs.set_hostlist({"n2"});
        rs.set_tasks(1);
        auto app = exp.create_model("app", rs);
        exp.start({app});
        EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Completed})
            << read_text(dir + "/app/app.err");
        EXPECT_EQ(read_text(dir + "/app/app.out"), "app ok on n2 SSDB=" + joined(addrs) + "\n");
        // The tensor is in the cluster, as the driver sees it.
        ::setenv("SSDB", joined(addrs).c_str(), 1);
        ::setenv("SR_DB_TYPE", "Clustered", 1);
        ::setenv("SR_DB_USER", "app", 1);
        ::setenv("SR_DB_PASSWORD_FILE", (db->secrets_dir() + "/app").c_str(), 1);
        {
            Client client("driver");
            EXPECT_TRUE(client.tensor_exists("app_n2"));
        }
        for (const char* v : {"SSDB", "SR_DB_TYPE", "SR_DB_USER", "SR_DB_PASSWORD_FILE"})
            ::unsetenv(v);

        exp.stop(db);
        EXPECT_EQ(exp.get_status(*db),
                  (std::vector<Status>{Status::Cancelled, Status::Cancelled, Status::Cancelled}));
        EXPECT_TRUE(
            wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
            << join(processes_with(dir));
        // SHUTDOWN ended the steps: none is left in the allocation.
        EXPECT_EQ(c.run({"squeue", "-h", "-s", "-j", alloc, "-o", "%j"}).out.find("orchestrator"),
                  std::string::npos);
    }
    slurm::release_allocation(alloc);
}

TEST(SlurmDatabase, BatchDatabaseCancelledWithScancelLeavesNoProcess) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-dbjob");
    Experiment exp("dbjob", dir, "slurm");
    auto db = exp.create_database(0, 3, "lo");
    db->set_batch_settings(exp.create_batch_settings(2, "00:05:00"));
    exp.start(db);
    auto addrs = db->get_address();
    ASSERT_EQ(addrs.size(), 3u);
    EXPECT_TRUE(db->is_active());
    // Shards of one batch job, spread over both nodes.
    std::set<std::string> nodes;
    for (int i = 0; i < 3; ++i) {
        std::smatch mm;
        std::string out =
            read_text(dir + "/orchestrator/orchestrator_" + std::to_string(i) + ".out");
        ASSERT_TRUE(std::regex_search(out, mm, std::regex("INSITU_SHARD_INFO .* node=(n[12])")))
            << out;
        nodes.insert(mm[1]);
    }
    EXPECT_EQ(nodes, (std::set<std::string>{"n1", "n2"}));
    auto jobs = c.run({"squeue", "-h", "-o", "%i %j %T"});
    std::smatch mm;
    ASSERT_TRUE(std::regex_search(jobs.out, mm, std::regex("([0-9]+) orchestrator RUNNING")))
        << jobs.out;
    std::string job = mm[1];
    ASSERT_FALSE(processes_with(dir).empty());
    // The user cancels the database's job behind the driver's back.
    ASSERT_EQ(c.run({"scancel", job}).rc, 0);
    EXPECT_TRUE(wait_until(
        [&] {
            auto st = exp.get_status(*db);
            return std::all_of(st.begin(), st.end(),
                               [](Status s) { return s == Status::Cancelled; });
        },
        std::chrono::seconds(20)));
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(10)))
        << join(processes_with(dir));
    for (const auto& a : addrs) EXPECT_FALSE(launch::db_command(a, {"PING"}, 300)) << a;
    EXPECT_TRUE(wait_until(
        [&] {
            return c.run({"squeue", "-h", "-o", "%i"}).out.empty();
        },
        std::chrono::seconds(10)));
    exp.stop(db);  // nothing left to stop: no error
}

#ifdef SLURM_MPI_APP
TEST(SlurmDatabase, MpiApplicationWithOneColocatedDatabasePerNode) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-mpi");
    Experiment exp("mpi", dir, "slurm");
    auto rs = exp.create_run_settings(SLURM_MPI_APP, {}, "srun");
    rs.set_nodes(2);
    rs.set_tasks_per_node(2);
    rs.set_mpi("pmix");
    rs.set("kill-on-bad-exit");
    rs.set_walltime("00:02:00");
    // Two emulated nodes share one host: Open MPI's shared-memory segment names would collide.
    // Its TCP transport stays on loopback: in CI's network namespace a connect to eth0's address
    // hung ("Operation now in progress") and the rank then crashed inside Open MPI.
    rs.update_env({{"OMPI_MCA_btl", "self,tcp"},
                   {"OMPI_MCA_btl_tcp_if_include", "lo"},
                   {"OMPI_ALLOW_RUN_AS_ROOT", "1"},
                   {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"}});
    auto app = exp.create_model("app", rs);
    // Node-local socket (%h: the node's name), one database per node.
    app->colocate_db_uds(dir + "/db-%h.sock", 755, 1, std::vector<int>{});
    exp.start({app});
    std::string out = read_text(dir + "/app/app.out");
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Completed})
        << out << read_text(dir + "/app/app.err");
    auto ranks = lines_with(out, "rank ");
    ASSERT_EQ(ranks.size(), 4u) << out;
    std::map<std::string, std::set<std::string>> ssdb_by_node;
    for (const auto& l : ranks) {
        std::smatch mm;
        ASSERT_TRUE(
            std::regex_search(l, mm, std::regex("rank [0-3] of 4 on (n[12]) SSDB=(\\S+) ok=1")))
            << l;
        // Each rank's 1 MiB tensor went through its node database's shared memory (two ranks
        // per node: the count a rank saw is 1 or 2).
        EXPECT_TRUE(std::regex_search(l, std::regex("shm_puts=[12]$"))) << l;
        ssdb_by_node[mm[1]].insert(mm[2]);
    }
    // Secure by default: each socket in the private folder next to the path asked for, and the
    // ranks authenticated as the app user (ok=1).
    std::string sockets = dir + "/insitu-sockets-" + std::to_string(::getuid());
    EXPECT_EQ(ssdb_by_node["n1"], std::set<std::string>{"unix://" + sockets + "/db-n1.sock"});
    EXPECT_EQ(ssdb_by_node["n2"], std::set<std::string>{"unix://" + sockets + "/db-n2.sock"});
    // Two databases started and stopped, not four.
    EXPECT_EQ(lines_with(out, "run-colocated: database pid").size(), 2u) << out;
    EXPECT_EQ(lines_with(out, "run-colocated: database stopped").size(), 2u) << out;
    // Each node's database has its own config and log in the shared run directory.
    for (const char* n : {"n1", "n2"}) {
        std::string conf = read_text(dir + "/app/app-db-" + std::string(n) + ".conf");
        EXPECT_NE(conf.find("db-" + std::string(n) + ".sock"), std::string::npos) << conf;
    }
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}
#endif

TEST(SlurmDatabase, ThreePrimariesThreeReplicasSurviveAKilledPrimaryStep) {
    SlurmCluster c;
    std::string alloc = slurm::get_allocation(2, "00:10:00", {{"exclusive", ""}});
    std::string dir = make_temp_dir("exp-slurm-replicas");
    {
        Experiment exp("db", dir, "slurm");
        OrchestratorOptions o;
        o.port = 0;
        o.db_nodes = 3;
        o.replicas = 1;
        auto db = exp.create_database(o);
        db->set_alloc(alloc);
        exp.start(db);
        auto addrs = db->get_address();
        ASSERT_EQ(addrs.size(), 6u);
        // Every replica runs on the other node than its primary.
        auto node_of = [&](int i) {
            std::string out =
                read_text(dir + "/orchestrator/orchestrator_" + std::to_string(i) + ".out");
            auto pos = out.find(" node=");
            return pos == std::string::npos ? std::string("?") : out.substr(pos + 6, 2);
        };
        for (int p = 0; p < 3; ++p) {
            EXPECT_NE(node_of(p), "?");
            EXPECT_NE(node_of(p), node_of(p + 3)) << "primary " << p << " and its replica";
        }
        const auto auth = launch::admin_auth(db->secrets_dir());
        auto role = [&](const std::string& a) {
            auto r = launch::db_command(a, {"INFO", "replication"}, 2000, auth);
            if (!r) return std::string("down");
            return r->str.find("role:master") != std::string::npos ? std::string("master")
                                                                   : std::string("slave");
        };
        EXPECT_EQ(role(addrs[0]), "master");
        EXPECT_EQ(role(addrs[3]), "slave");

        ::setenv("SSDB", joined(addrs).c_str(), 1);
        ::setenv("SR_DB_TYPE", "Clustered", 1);
        ::setenv("SR_DB_USER", "app", 1);
        ::setenv("SR_DB_PASSWORD_FILE", (db->secrets_dir() + "/app").c_str(), 1);
        ::setenv("SR_CMD_TIMEOUT", "60", 1);
        ::setenv("SR_CMD_INTERVAL", "100", 1);
        ::setenv("SR_DURABLE_REPLICAS", "1", 1);
        {
            Client client("driver");
            std::vector<float> v(32);
            for (int k = 0; k < 200; ++k) {
                std::fill(v.begin(), v.end(), static_cast<float>(k));
                client.put_tensor("k" + std::to_string(k), v.data(), {v.size()}, TensorType::Float,
                                  MemoryLayout::Contiguous);
            }
            // Kill primary 0's step, as a node failure would end it.
            auto steps = c.run({"squeue", "-h", "-s", "-j", alloc, "-o", "%i %j"});
            std::string step;
            std::istringstream lines(steps.out);
            for (std::string id, name; lines >> id >> name;)
                if (name.rfind("orchestrator_0-", 0) == 0) step = id;
            ASSERT_FALSE(step.empty()) << steps.out;
            c.run({"scancel", "--signal=KILL", step});
            // Every durable write acknowledged before is read back from the promoted replica.
            for (int k = 0; k < 200; ++k) {
                client.unpack_tensor("k" + std::to_string(k), v.data(), {v.size()},
                                     TensorType::Float, MemoryLayout::Contiguous);
                EXPECT_EQ(v[31], static_cast<float>(k)) << k;
            }
        }
        for (const char* e : {"SSDB", "SR_DB_TYPE", "SR_DB_USER", "SR_DB_PASSWORD_FILE",
                              "SR_CMD_TIMEOUT", "SR_CMD_INTERVAL", "SR_DURABLE_REPLICAS"})
            ::unsetenv(e);
        EXPECT_EQ(role(addrs[3]), "master");
        exp.stop(db);
        EXPECT_TRUE(
            wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
            << join(processes_with(dir));
        EXPECT_EQ(c.run({"squeue", "-h", "-s", "-j", alloc, "-o", "%j"}).out.find("orchestrator"),
                  std::string::npos);
    }
    slurm::release_allocation(alloc);
}
