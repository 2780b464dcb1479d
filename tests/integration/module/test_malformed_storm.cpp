// The malformed-command storm: hundreds of distinct mutations of valid AI.* commands (dropped,
// swapped, repeated and truncated tokens, wrong counts, huge/negative/garbage numbers, bit-flipped
// blobs) against one real server. Every command must be answered, the server must stay up, and
// sentinel data written before the storm must be unchanged after it.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "redis_server.h"

using insitu::Reply;
using insitu::testing::RedisServer;

namespace {

using Command = std::vector<std::string>;

std::string floats(std::size_t n) {
    std::string s(n * 4, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 37);
    return s;
}

// Valid commands the mutations start from. Each family of AI.* commands adds its templates here.
std::vector<Command> templates() {
    std::vector<Command> t = {
        {"AI.TENSORSET", "storm:a", "FLOAT", "2", "3", "BLOB", floats(6)},
        {"AI.TENSORSET", "storm:b", "DOUBLE", "2", "VALUES", "1.5", "-2"},
        {"AI.TENSORSET", "storm:c", "INT8", "4", "VALUES", "1", "-2", "3", "127"},
        {"AI.TENSORSET", "storm:d", "UINT16", "1", "2", "BLOB", std::string("\x01\x00\x02\x00", 4)},
        {"AI.TENSORSET", "storm:e", "BOOL", "3", "BLOB", std::string("\x01\x00\x01", 3)},
        {"AI.TENSORSET", "storm:f", "STRING", "2", "BLOB", std::string("ab\0c\0", 5)},
        {"AI.TENSORSET", "storm:g", "STRING", "2", "VALUES", "x", "yz"},
        {"AI.TENSORSET", "storm:h", "BFLOAT16", "2", "VALUES", "1", "2"},
        {"AI.TENSORSET", "storm:i", "INT64", "2", "2"},
        {"AI.TENSORSET", "storm:j", "FLOAT", "VALUES", "4"},
        {"AI.TENSORGET", "storm:a", "META", "BLOB"},
        {"AI.TENSORGET", "storm:b", "VALUES"},
        {"AI.TENSORGET", "storm:f", "META", "VALUES"},
        {"AI.TENSORGET", "storm:c"},
    };
    return t;
}

const std::vector<std::string> k_odd_tokens = {"",
                                               "0",
                                               "-1",
                                               "-9223372036854775808",
                                               "9223372036854775807",
                                               "18446744073709551616",
                                               "4294967296",
                                               "1e309",
                                               "nan",
                                               "inf",
                                               "BLOB",
                                               "VALUES",
                                               "META",
                                               "FLOAT",
                                               "STRING",
                                               "BOOL",
                                               std::string("\0\0\0", 3),
                                               std::string(1000, 'x'),
                                               "\xff\xfe",
                                               "AI.TENSORSET",
                                               "|>",
                                               "$",
                                               "storm:a",
                                               "  1",
                                               "0x10",
                                               "+5",
                                               "2.",
                                               "99999999999999999999999"};

class Mutator {
  public:
    explicit Mutator(unsigned seed) : rng_(seed) {}
    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

    Command mutate(Command c) {
        int rounds = 1 + static_cast<int>(pick(3));
        for (int r = 0; r < rounds; ++r) {
            if (c.size() < 2) {  // only the command name left: grow it
                c.push_back(k_odd_tokens[pick(k_odd_tokens.size())]);
                continue;
            }
            std::size_t i = 1 + pick(c.size() - 1);  // keep the command name
            switch (pick(8)) {
                case 0:
                    c.erase(c.begin() + static_cast<long>(i));
                    break;  // drop
                case 1: {
                    std::size_t j = 1 + pick(c.size() - 1);
                    std::swap(c[i], c[j]);
                    break;
                }  // swap
                case 2:
                    c.insert(c.begin() + static_cast<long>(i), c[i]);
                    break;  // repeat
                case 3:
                    c.resize(1 + pick(c.size()));
                    break;  // truncate
                case 4:
                    c[i] = k_odd_tokens[pick(k_odd_tokens.size())];
                    break;  // replace
                case 5:
                    c.insert(c.begin() + static_cast<long>(i),
                             k_odd_tokens[pick(k_odd_tokens.size())]);
                    break;
                case 6:  // flip bits or cut the longest token (a blob)
                {
                    auto it = std::max_element(c.begin() + 1, c.end(), [](auto& a, auto& b) {
                        return a.size() < b.size();
                    });
                    if (it == c.end() || it->empty()) break;
                    if (pick(2))
                        (*it)[pick(it->size())] ^= static_cast<char>(1 << pick(8));
                    else
                        it->resize(pick(it->size()));
                    break;
                }
                case 7:  // number to something else
                    for (auto& tok : c)
                        if (!tok.empty() && std::isdigit(static_cast<unsigned char>(tok[0])) &&
                            pick(2)) {
                            tok = k_odd_tokens[pick(7)];
                            break;
                        }
                    break;
            }
        }
        return c;
    }

  private:
    std::mt19937 rng_;
};

std::string key_of(const Command& c) {
    std::string s;
    for (const auto& t : c) s += std::to_string(t.size()) + ":" + t + "|";
    return s;
}

}  // namespace

TEST(MalformedStorm, ServerAnswersEverythingAndKeepsData) {
    RedisServer server;
    auto conn = server.connect();
    // Sentinels: tensors of several dtypes, a plain string and a hash, under names the storm
    // never produces.
    ASSERT_TRUE(conn->command({"AI.TENSORSET", "sentinel:t1", "FLOAT", "2", "2", "BLOB", floats(4)})
                    .is_status("OK"));
    ASSERT_TRUE(
        conn->command({"AI.TENSORSET", "sentinel:t2", "STRING", "2", "VALUES", "keep", "me"})
            .is_status("OK"));
    ASSERT_TRUE(
        conn->command({"AI.TENSORSET", "sentinel:t3", "INT64", "3", "VALUES", "1", "2", "3"})
            .is_status("OK"));
    ASSERT_TRUE(conn->command({"SET", "sentinel:plain", "value"}).is_status("OK"));
    ASSERT_EQ(conn->command({"HSET", "sentinel:hash", "f", "v"}).integer, 1);
    const Command sentinels = {"sentinel:t1", "sentinel:t2", "sentinel:t3", "sentinel:plain",
                               "sentinel:hash"};
    Command digest_cmd = {"DEBUG", "DIGEST-VALUE"};
    digest_cmd.insert(digest_cmd.end(), sentinels.begin(), sentinels.end());
    Reply before = conn->command(digest_cmd);

    Mutator m(20261126);
    auto base = templates();
    std::set<std::string> seen;
    int answered = 0, errors = 0;
    for (int attempt = 0; attempt < 20000 && seen.size() < 800; ++attempt) {
        Command c = m.mutate(base[m.pick(base.size())]);
        if (!seen.insert(key_of(c)).second) continue;
        for (const auto& tok : c) ASSERT_EQ(tok.find("sentinel:"), std::string::npos);
        Reply r = conn->command(c);  // throws if the connection drops (server crash)
        ++answered;
        errors += r.is_error();
    }
    EXPECT_GE(answered, 500);
    EXPECT_GT(errors, answered / 2);  // most mutations are malformed
    ASSERT_TRUE(server.alive()) << server.log();
    EXPECT_TRUE(conn->command({"PING"}).is_status("PONG"));
    Reply after = conn->command(digest_cmd);
    ASSERT_EQ(after.elements.size(), sentinels.size());
    for (std::size_t i = 0; i < sentinels.size(); ++i)
        EXPECT_EQ(after.elements[i].str, before.elements[i].str) << sentinels[i];
    EXPECT_EQ(server.log().find("crashed"), std::string::npos);
}
