// The generated per-shard config uses only directives this server (Debian's Redis 7) knows: every
// directive of a config rendered with every option (cluster, Unix socket, debug) is a parameter
// that a running server reports through CONFIG GET.
#include <gtest/gtest.h>
#include <insitu/experiment.h>

#include <set>
#include <sstream>

#include "launch/db/acl_users.h"
#include "launch/db/db_command.h"
#include "launch/db/server_config.h"
#include "launch_test_util.h"
#include "redis_server.h"

using namespace insitu;
using namespace insitu::testing;

TEST(LaunchServerConfig, EveryGeneratedDirectiveIsARedis7Parameter) {
    launch::ShardSpec s;
    s.name = "shard";
    s.dir = "/tmp";
    s.bind = {"127.0.0.1"};
    s.port = 7000;
    s.unix_socket = "/tmp/x.sock";
    s.cluster = true;
    s.debug = true;
    std::string conf = launch::render_server_config(s, "/path/to/libinsitu_ai.so");
    std::set<std::string> directives;
    std::istringstream in(conf);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::string d = line.substr(0, line.find(' '));
        if (d == "loadmodule" || d == "include") continue;  // load-time only, not parameters
        directives.insert(d);
    }
    ASSERT_GT(directives.size(), 20u) << conf;

    std::string dir = make_temp_dir("server-config");
    Experiment exp("conf", dir);
    auto db = exp.create_database(0, 1);
    exp.start(db);
    std::string addr = db->get_address().at(0);
    for (const auto& d : directives) {
        auto r = launch::db_command(addr, {"CONFIG", "GET", d}, 2000,
                                    launch::admin_auth(db->secrets_dir()));
        ASSERT_TRUE(r);
        EXPECT_FALSE(r->elements.empty())
            << "directive '" << d << "' is not a parameter of this server";
    }
    exp.stop();
}
