// The shared-memory tensor path (docs/shared-memory.md) against real servers: round trips of every
// dtype and rank through the arena, clients with and without it reading each other's tensors,
// memory accounting (MEMORY USAGE, blocks freed by DEL and overwrites, off under maxmemory), RDB
// and AOF restarts and a replica (the bytes are written normally), bad commits, a client killed
// between allocation and commit, a server killed mid-read, readers racing a writer, a cluster.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <insitu/client.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

long long info_field(const RedisServer& s, const std::string& field) {
    std::string info = s.connect()->command({"INFO", "ai_shm"}).str;
    auto at = info.find("ai_" + field + ":");
    if (at == std::string::npos) return -1;
    return std::stoll(info.substr(at + field.size() + 4));
}

RedisServer::Options unix_server() {
    RedisServer::Options o;
    o.unix_socket = true;
    return o;
}

// Every tensor through the arena, whatever its size.
Client shm_client(const std::string& ssdb, bool cluster = false,
                  std::map<std::string, std::string> extra = {}) {
    extra["SR_SHM"] = "1";
    extra["SR_SHM_MIN_BYTES"] = "1";
    return test::make_client(ssdb, cluster, extra);
}

std::vector<float> pattern(std::size_t n, float base) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = base + static_cast<float>(i % 1000);
    return v;
}

std::set<std::string> dev_shm_entries() {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator("/dev/shm"))
        out.insert(e.path().filename().string());
    return out;
}

}  // namespace

TEST(Shm, RoundTripsEveryDtypeAndRankThroughTheArena) {
    RedisServer server(unix_server());
    Client c = shm_client("unix://" + server.unix_path());
    long long puts = 0;
    for (TensorType t : test::supported_types()) {
        for (std::size_t rank = 1; rank <= 4; ++rank) {
            std::vector<std::size_t> dims(rank, 3);
            dims[0] = 17;
            std::size_t n = 1;
            for (auto d : dims) n *= d;
            auto bytes = test::make_bytes(t, n, static_cast<unsigned>(rank));
            std::string name =
                "t" + std::to_string(static_cast<int>(t)) + "_" + std::to_string(rank);
            c.put_tensor(name, bytes.data(), dims, t, MemoryLayout::Contiguous);
            ++puts;
            std::vector<unsigned char> out(bytes.size(), 0xee);
            c.unpack_tensor(name, out.data(), dims, t, MemoryLayout::Contiguous);
            EXPECT_EQ(out, bytes) << name;
            void* data = nullptr;
            std::vector<std::size_t> got_dims;
            TensorType got_type{};
            c.get_tensor(name, data, got_dims, got_type, MemoryLayout::Contiguous);
            EXPECT_EQ(got_dims, dims);
            EXPECT_EQ(got_type, t);
            EXPECT_EQ(std::memcmp(data, bytes.data(), bytes.size()), 0) << name;
        }
    }
    // A Fortran-ordered put lands row-major, as over the socket.
    std::vector<std::size_t> d3 = {4, 5, 6};
    auto rm = test::make_bytes(TensorType::Int32, 120, 9);
    auto cm = test::to_column_major(rm, d3, 4);
    c.put_tensor("fortran", cm.data(), d3, TensorType::Int32, MemoryLayout::FortranContiguous);
    ++puts;
    std::vector<unsigned char> back(rm.size());
    c.unpack_tensor("fortran", back.data(), d3, TensorType::Int32, MemoryLayout::Contiguous);
    EXPECT_EQ(back, rm);
    EXPECT_EQ(info_field(server, "shm_puts"), puts);
    EXPECT_GE(info_field(server, "shm_gets"), 2 * (puts - 1) + 1);
    // Read over the plain protocol, the bytes are the same.
    auto raw = server.connect()->command({"AI.TENSORGET", "fortran", "BLOB"});
    ASSERT_EQ(raw.str.size(), rm.size());
    EXPECT_EQ(std::memcmp(raw.str.data(), rm.data(), rm.size()), 0);
}

TEST(Shm, ClientsWithAndWithoutItReadEachOthersTensors) {
    RedisServer server(unix_server());
    const std::string ssdb = "unix://" + server.unix_path();
    Client with = shm_client(ssdb);
    Client without = test::make_client(ssdb, false, {{"SR_SHM", "0"}});
    auto a = pattern(300000, 1.0f), b = pattern(300000, 7.0f);
    with.put_tensor("a", a.data(), {a.size()}, TensorType::Float, MemoryLayout::Contiguous);
    without.put_tensor("b", b.data(), {b.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 1);
    std::vector<float> out(a.size());
    without.unpack_tensor("a", out.data(), {out.size()}, TensorType::Float,
                          MemoryLayout::Contiguous);
    EXPECT_EQ(out, a);
    with.unpack_tensor("b", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, b);
    EXPECT_EQ(info_field(server, "shm_gets"), 0);  // neither read was of an arena tensor by shm
    with.unpack_tensor("a", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, a);
    EXPECT_EQ(info_field(server, "shm_gets"), 1);
}

TEST(Shm, OnlyTensorsFromTheThresholdUpUseIt) {
    RedisServer server(unix_server());
    Client c = test::make_client("unix://" + server.unix_path(), false);  // defaults
    auto small = pattern(1024, 0.0f);                                     // 4 KiB
    auto big = pattern(256 * 1024, 0.0f);                                 // 1 MiB
    c.put_tensor("small", small.data(), {small.size()}, TensorType::Float,
                 MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 0);
    c.put_tensor("big", big.data(), {big.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 1);
}

TEST(Shm, PutsCountAsChangesForTheSaveRules) {
    // No replica and no AOF: nothing is replicated, but RDB `save` rules go by the change count.
    RedisServer server(unix_server());
    auto changes = [&] {
        return insitu::testing::info_field(*server.connect(), "persistence",
                                           "rdb_changes_since_last_save");
    };
    Client c = shm_client("unix://" + server.unix_path());
    auto v = pattern(1000, 1.0f);
    long long before = changes();
    for (int i = 0; i < 3; ++i)
        c.put_tensor("k" + std::to_string(i), v.data(), {v.size()}, TensorType::Float,
                     MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 3);
    EXPECT_EQ(changes(), before + 3);
}

TEST(Shm, MemoryIsAccountedAndReleasedByDeleteAndOverwrite) {
    RedisServer server(unix_server());
    Client c = shm_client("unix://" + server.unix_path());
    // 8 MiB: above the size whose next block a client asks for ahead (no spare block here).
    auto v = pattern(1 << 21, 2.0f);
    c.put_tensor("m", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    auto raw = server.connect();
    EXPECT_GE(raw->command({"MEMORY", "USAGE", "m"}).integer, static_cast<long long>(8 << 20));
    EXPECT_EQ(info_field(server, "shm_used_bytes"), 8 << 20);
    for (int i = 0; i < 10; ++i)
        c.put_tensor("m", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_blocks"), 1);  // each overwrite freed the previous block
    EXPECT_EQ(info_field(server, "shm_used_bytes"), 8 << 20);
    c.delete_tensor("m");
    EXPECT_EQ(info_field(server, "shm_blocks"), 0);
    EXPECT_EQ(info_field(server, "shm_used_bytes"), 0);
    // COPY shares the block; it is freed with the last key holding it.
    c.put_tensor("m", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    raw->command({"COPY", "m", "m2"});
    raw->command({"DEL", "m"});
    EXPECT_EQ(info_field(server, "shm_blocks"), 1);
    std::vector<float> out(v.size());
    c.unpack_tensor("m2", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, v);
    raw->command({"DEL", "m2"});
    EXPECT_EQ(info_field(server, "shm_blocks"), 0);
}

TEST(Shm, MaxmemoryTurnsItOffSoEvictionSeesEveryByte) {
    RedisServer server(unix_server());
    auto raw = server.connect();
    raw->command({"CONFIG", "SET", "maxmemory", "1gb"});
    Client c = shm_client("unix://" + server.unix_path());
    auto v = pattern(1 << 18, 3.0f);
    c.put_tensor("x", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 0);
    auto hello = raw->command({"AI._SHM"});
    ASSERT_GE(hello.elements.size(), 4u);
    EXPECT_EQ(hello.elements[1].integer, 0);
    EXPECT_NE(hello.elements[3].str.find("maxmemory"), std::string::npos);
    std::vector<float> out(v.size());
    c.unpack_tensor("x", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, v);
    // Set after a client negotiated: its next put falls back to the socket.
    raw->command({"CONFIG", "SET", "maxmemory", "0"});
    Client d = shm_client("unix://" + server.unix_path());
    d.put_tensor("y", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 1);
    raw->command({"CONFIG", "SET", "maxmemory", "1gb"});
    d.put_tensor("y", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 1);
    d.unpack_tensor("y", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, v);
}

TEST(Shm, RdbAndAofRestartsKeepTheBytes) {
    for (bool aof : {false, true}) {
        RedisServer::Options o = unix_server();
        o.appendonly = aof;
        RedisServer server(o);
        auto v = pattern(1 << 18, aof ? 5.0f : 4.0f);
        {
            Client c = shm_client("unix://" + server.unix_path());
            c.put_tensor("p", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
            EXPECT_EQ(info_field(server, "shm_puts"), 1);
        }
        if (!aof) server.connect()->command({"SAVE"});
        server.restart(/*save=*/!aof);  // the AOF run restarts from the AOF alone
        Client c = shm_client("unix://" + server.unix_path());
        std::vector<float> out(v.size());
        c.unpack_tensor("p", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_EQ(out, v) << (aof ? "AOF" : "RDB");
    }
}

TEST(Shm, ABackgroundSaveWritesTheBytesItSawAtTheFork) {
    RedisServer server(unix_server());
    const std::string ssdb = "unix://" + server.unix_path();
    Client c = shm_client(ssdb);
    auto a = pattern(1 << 18, 1.0f), b = pattern(1 << 18, 9000.0f);
    c.put_tensor("k", a.data(), {a.size()}, TensorType::Float, MemoryLayout::Contiguous);
    c.put_tensor("filler", a.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);
    auto raw = server.connect();
    // Slow the child down (per key) so that the writes below happen while it saves.
    raw->command({"CONFIG", "SET", "rdb-key-save-delay", "300000"});
    ASSERT_FALSE(raw->command({"BGSAVE"}).is_error());
    // "k" is deleted and its block would be the first one reused by these puts.
    c.delete_tensor("k");
    for (int i = 0; i < 5; ++i)
        c.put_tensor("n" + std::to_string(i), b.data(), {b.size()}, TensorType::Float,
                     MemoryLayout::Contiguous);
    for (int i = 0; i < 1000; ++i) {  // up to 20 s on a loaded machine
        if (raw->command({"INFO", "persistence"}).str.find("rdb_bgsave_in_progress:0") !=
            std::string::npos)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    raw->command({"CONFIG", "SET", "rdb-key-save-delay", "0"});
    raw.reset();
    server.restart(/*save=*/false);  // loads the background save's file
    Client d = shm_client(ssdb);
    std::vector<float> out(a.size());
    d.unpack_tensor("k", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, a);
}

TEST(Shm, AReplicaReceivesTheBytes) {
    RedisServer::Options po = unix_server();
    po.extra_args = {"--repl-diskless-sync-delay", "0"};
    RedisServer primary(po);
    Client c = shm_client("unix://" + primary.unix_path());
    // First without any replica (the module then skips building a replication copy) ...
    auto v0 = pattern(1 << 18, 5.0f);
    c.put_tensor("r0", v0.data(), {v0.size()}, TensorType::Float, MemoryLayout::Contiguous);
    // ... then a replica attaches: its sync must see r0, and the stream the next put.
    RedisServer::Options ro;
    ro.extra_args = {"--replicaof", "127.0.0.1", std::to_string(primary.port())};
    RedisServer replica(ro);
    auto p = primary.connect();
    for (int i = 0; i < 200; ++i) {  // the replica's first sync
        if (p->command({"WAIT", "1", "100"}).integer >= 1) break;
    }
    auto v = pattern(1 << 18, 6.0f);
    c.put_tensor("r", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(primary, "shm_puts"), 2);
    // WAIT covers this connection's own writes only: a write here, after the put, makes it wait
    // for the replica to have applied the put too.
    p->command({"SET", "marker", "1"});
    EXPECT_EQ(p->command({"WAIT", "1", "5000"}).integer, 1);
    auto rc = replica.connect();
    for (const auto& [key, want] : {std::pair{"r0", &v0}, std::pair{"r", &v}}) {
        auto got = rc->command({"AI.TENSORGET", key, "BLOB"});
        ASSERT_EQ(got.str.size(), want->size() * 4) << key;
        EXPECT_EQ(std::memcmp(got.str.data(), want->data(), got.str.size()), 0) << key;
    }
}

TEST(Shm, BadCommitsAreRefusedAndKeepStoredData) {
    RedisServer server(unix_server());
    Client c = shm_client("unix://" + server.unix_path());
    auto v = pattern(1024, 1.0f);
    c.put_tensor("keep", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    auto raw = server.connect();
    auto hello = raw->command({"AI._SHM"});
    ASSERT_EQ(hello.elements[1].integer, 1);
    const long long blocks = info_field(server, "shm_blocks");  // "keep"
    // Never allocated.
    auto r = raw->command({"AI.TENSORSET", "bad", "FLOAT", "4", "SHM", "1048576", "42"});
    EXPECT_NE(r.str.find("not one this connection allocated"), std::string::npos) << r.str;
    // Allocated by another connection.
    auto block = raw->command({"AI._SHMALLOC", "4096"});
    ASSERT_EQ(block.elements.size(), 3u);
    std::string off = std::to_string(block.elements[0].integer);
    std::string tag = std::to_string(block.elements[2].integer);
    auto other = server.connect();
    r = other->command({"AI.TENSORSET", "bad", "FLOAT", "4", "SHM", off, tag});
    EXPECT_NE(r.str.find("not one this connection allocated"), std::string::npos) << r.str;
    // Wrong tag, then a tensor larger than the block.
    r = raw->command({"AI.TENSORSET", "bad", "FLOAT", "4", "SHM", off, "7"});
    EXPECT_NE(r.str.find("not one this connection allocated"), std::string::npos) << r.str;
    r = raw->command({"AI.TENSORSET", "bad", "FLOAT", "2048", "SHM", off, tag});
    EXPECT_NE(r.str.find("data length does not match"), std::string::npos) << r.str;
    // The refused block was freed; a used block cannot be committed twice.
    EXPECT_EQ(info_field(server, "shm_blocks"), blocks);
    r = raw->command({"AI.TENSORSET", "bad", "FLOAT", "4", "SHM", off, tag});
    EXPECT_NE(r.str.find("not one this connection allocated"), std::string::npos) << r.str;
    // STRING, DAG and grammar.
    r = raw->command({"AI.TENSORSET", "bad", "STRING", "1", "SHM", off, tag});
    EXPECT_NE(r.str.find("STRING"), std::string::npos) << r.str;
    r = raw->command({"AI.TENSORSET", "bad", "FLOAT", "4", "SHM", off});
    EXPECT_NE(r.str.find("SHM takes a block offset and tag"), std::string::npos) << r.str;
    r = raw->command({"AI._SHMALLOC", "0"});
    EXPECT_TRUE(r.is_error());
    r = raw->command({"AI.TENSORGET", "keep", "BLOB", "SHM"});
    EXPECT_NE(r.str.find("SHM needs META and BLOB"), std::string::npos) << r.str;
    EXPECT_EQ(raw->command({"EXISTS", "bad"}).integer, 0);
    std::vector<float> out(v.size());
    c.unpack_tensor("keep", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, v);
}

TEST(Shm, AClientGoneBetweenAllocationAndCommitLeaksNothing) {
    RedisServer server(unix_server());
    {
        auto raw = server.connect();
        raw->command({"AI._SHM"});
        auto block = raw->command({"AI._SHMALLOC", "1048576"});
        ASSERT_EQ(block.elements.size(), 3u);
        EXPECT_EQ(info_field(server, "shm_pending_blocks"), 1);
        // A second allocation abandons the first (one uncommitted block per client).
        auto second = raw->command({"AI._SHMALLOC", "65536"});
        ASSERT_EQ(second.elements.size(), 3u);
        EXPECT_EQ(info_field(server, "shm_pending_blocks"), 1);
        EXPECT_EQ(info_field(server, "shm_blocks"), 1);
        auto r = raw->command({"AI.TENSORSET", "gone", "FLOAT", "4", "SHM",
                               std::to_string(block.elements[0].integer),
                               std::to_string(block.elements[2].integer)});
        EXPECT_TRUE(r.is_error()) << "the abandoned block cannot be committed";
        raw->command({"AI._SHMALLOC", "1048576"});
    }  // disconnected without committing
    for (int i = 0; i < 100 && info_field(server, "shm_pending_blocks") != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(info_field(server, "shm_pending_blocks"), 0);
    EXPECT_EQ(info_field(server, "shm_blocks"), 0);

    // A real client process SIGKILLed while it puts 16 MiB tensors in a loop.
    const std::string ssdb = "unix://" + server.unix_path();
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        try {
            Client c = shm_client(ssdb);
            auto v = pattern(4 << 20, 8.0f);
            for (int i = 0;; ++i)
                c.put_tensor("loop", v.data(), {v.size()}, TensorType::Float,
                             MemoryLayout::Contiguous);
        } catch (...) {
        }
        _exit(1);
    }
    for (int i = 0; i < 500 && info_field(server, "shm_puts") < 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    for (int i = 0; i < 100 && info_field(server, "shm_pending_blocks") != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(info_field(server, "shm_pending_blocks"), 0);
    EXPECT_EQ(info_field(server, "shm_blocks"), 1);  // the stored "loop" tensor only
    Client c = shm_client(ssdb);
    std::vector<float> out(4 << 20);
    c.unpack_tensor("loop", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, pattern(4 << 20, 8.0f));  // whole: a put is stored only once committed
}

TEST(Shm, AServerKilledMidReadLeavesNoSegment) {
    auto before = dev_shm_entries();
    RedisServer server(unix_server());
    // The reader gives up soon after the kill instead of retrying for 20 s.
    Client c = shm_client("unix://" + server.unix_path(), false, {{"SR_CMD_TIMEOUT", "1"}});
    auto v = pattern(8 << 20, 1.0f);  // 32 MiB
    c.put_tensor("big", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::thread reader([&] {
        std::vector<float> out(v.size());
        try {
            while (!stop) {
                c.unpack_tensor("big", out.data(), {out.size()}, TensorType::Float,
                                MemoryLayout::Contiguous);
                if (out != v) break;  // never a torn or foreign tensor
                ++reads;
            }
        } catch (const Exception&) {
        }
    });
    for (int i = 0; i < 500 && reads < 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    pid_t pid = server.pid();
    server.kill();
    stop = true;
    reader.join();
    EXPECT_GE(reads.load(), 3);
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(dev_shm_entries(), before);  // memfds live in no file system
}

TEST(Shm, AnotherUserCannotMapTheArenaAndUsesTheSocket) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run a client as another user";
    RedisServer server(unix_server());
    auto hello = server.connect()->command({"AI._SHM"});
    ASSERT_EQ(hello.elements.size(), 16u);
    std::string arena = "/proc/" + std::to_string(server.pid()) + "/fd/" +
                        std::to_string(hello.elements[9].integer);
    ASSERT_EQ(hello.elements[8].str, "fd");
    int pipe_fd[2];
    ASSERT_EQ(pipe(pipe_fd), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // as nobody: the arena is out of reach, the client still works
        char result = 'x';
        if (setgid(65534) == 0 && setuid(65534) == 0) {
            int fd = ::open(arena.c_str(), O_RDWR);
            if (fd >= 0) {
                result = 'M';  // mapped: the test fails
            } else {
                try {
                    Client c = shm_client(server.address());
                    auto v = pattern(1 << 18, 4.0f);
                    c.put_tensor("nobody", v.data(), {v.size()}, TensorType::Float,
                                 MemoryLayout::Contiguous);
                    std::vector<float> out(v.size());
                    c.unpack_tensor("nobody", out.data(), {out.size()}, TensorType::Float,
                                    MemoryLayout::Contiguous);
                    result = out == v ? 'k' : 'd';
                } catch (...) {
                    result = 'e';
                }
            }
        }
        (void)!write(pipe_fd[1], &result, 1);
        _exit(0);
    }
    close(pipe_fd[1]);
    char result = 0;
    ASSERT_EQ(read(pipe_fd[0], &result, 1), 1);
    close(pipe_fd[0]);
    waitpid(child, nullptr, 0);
    EXPECT_EQ(result, 'k') << "M: another user opened the arena; e/d: its client failed";
    EXPECT_EQ(info_field(server, "shm_puts"), 0);  // over the socket
}

TEST(Shm, ReadersRacingAWriterSeeWholeTensors) {
    RedisServer server(unix_server());
    const std::string ssdb = "unix://" + server.unix_path();
    const std::size_t n = 1 << 18;
    auto a = pattern(n, 10.0f), b = pattern(n, 20000.0f);
    Client w = shm_client(ssdb);
    w.put_tensor("race", a.data(), {n}, TensorType::Float, MemoryLayout::Contiguous);
    std::atomic<bool> stop{false};
    std::atomic<int> torn{0}, reads{0};
    std::thread reader([&] {
        Client r = shm_client(ssdb);
        std::vector<float> out(n);
        while (!stop) {
            r.unpack_tensor("race", out.data(), {n}, TensorType::Float, MemoryLayout::Contiguous);
            if (out != a && out != b) ++torn;
            ++reads;
        }
    });
    // Writes go on until the reader has read many times while they do (how many writes that
    // takes depends on the scheduler), within 30 s.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int writes = 0;
    while ((reads < 50 || writes < 100) && std::chrono::steady_clock::now() < end) {
        w.put_tensor("race", (writes % 2 ? a : b).data(), {n}, TensorType::Float,
                     MemoryLayout::Contiguous);
        ++writes;
    }
    stop = true;
    reader.join();
    EXPECT_GE(reads.load(), 50);
    EXPECT_EQ(torn.load(), 0);
    // The stored tensor and at most the writer's spare block (asked for with its last put).
    EXPECT_LE(info_field(server, "shm_blocks") - info_field(server, "shm_pending_blocks"), 1);
    EXPECT_LE(info_field(server, "shm_pending_blocks"), 1);
}

TEST(Shm, PutsAskForTheirNextBlockAheadAndMaxmemoryStillTurnsItOff) {
    RedisServer server(unix_server());
    Client c = shm_client("unix://" + server.unix_path());
    auto v = pattern(1 << 18, 3.0f);  // 1 MiB
    auto raw = server.connect();
    raw->command({"CONFIG", "RESETSTAT"});
    for (int i = 0; i < 10; ++i)
        c.put_tensor("a", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    std::string stats = raw->command({"INFO", "commandstats"}).str;
    // The first put allocates on its own; every commit also asks for the next put's block, so
    // the other nine puts are one round trip each: 11 allocations in all.
    EXPECT_NE(stats.find("cmdstat_AI._SHMALLOC:calls=11,"), std::string::npos) << stats;
    EXPECT_EQ(info_field(server, "shm_pending_blocks"), 1);  // the spare for the next put
    // A spare handed out before maxmemory was set is not committed: the put goes over the socket.
    raw->command({"CONFIG", "SET", "maxmemory", "1gb"});
    auto w = pattern(1 << 18, 4.0f);
    c.put_tensor("a", w.data(), {w.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(info_field(server, "shm_puts"), 10);
    EXPECT_EQ(info_field(server, "shm_pending_blocks"), 0);
    std::vector<float> out(w.size());
    c.unpack_tensor("a", out.data(), {out.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, w);
}

TEST(Shm, EveryShardOfACluster) {
    RedisCluster cluster(3);
    Client c = shm_client(cluster.ssdb(), true);
    auto v = pattern(1 << 16, 2.0f);
    for (int i = 0; i < 30; ++i) {
        std::string name = "k" + std::to_string(i);
        c.put_tensor(name, v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
        std::vector<float> out(v.size());
        c.unpack_tensor(name, out.data(), {out.size()}, TensorType::Float,
                        MemoryLayout::Contiguous);
        EXPECT_EQ(out, v);
    }
    for (auto* s : cluster.shards()) EXPECT_GT(info_field(*s, "shm_puts"), 0);
}
