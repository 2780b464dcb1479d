#include "launch/db/deploy.h"

#include <filesystem>
#include <stdexcept>

#include "launch/db/cluster.h"
#include "launch/db/db_command.h"
#include "launch/db/local_server.h"
#include "launch/db/shard.h"
#include "launch/os/log.h"
#include "launch/os/netif.h"

namespace fs = std::filesystem;

namespace insitu::launch {

std::vector<ShardSpec> plan_shards(const Orchestrator& orc) {
    const auto& o = orc.options();
    std::string ip = interface_address(o.interface);
    std::vector<std::string> module_args;
    auto add = [&](const char* name, int v) {
        if (v > 0) {
            module_args.push_back(name);
            module_args.push_back(std::to_string(v));
        }
    };
    add("THREADS_PER_QUEUE", o.threads_per_queue);
    add("INTER_OP_PARALLELISM", o.inter_op_threads);
    add("INTRA_OP_PARALLELISM", o.intra_op_threads);
    std::vector<ShardSpec> shards;
    for (int i = 0; i < orc.num_servers(); ++i) {
        ShardSpec s;
        s.name = orc.shard_name(i);
        s.dir = orc.path();
        s.bind = {ip};
        s.port = o.port == 0 ? pick_free_port() : o.port + i;
        s.cluster = o.db_nodes > 1;
        s.module_args = module_args;
        s.secrets_dir = orc.secrets_dir();
        s.tls = orc.uses_tls();
        shards.push_back(std::move(s));
    }
    return shards;
}

void deploy(Launcher& launcher, Deployment& d,
            const std::function<void(std::size_t, const std::string&)>& on_launch) {
    try {
        // Start every shard before waiting for any: they load the module in parallel.
        for (std::size_t i = 0; i < d.shards.size(); ++i) {
            const auto& s = d.shards[i];
            if (s.cluster)
                fs::remove(fs::path(s.dir) /
                           ("nodes-" + s.name + "-" + std::to_string(s.port) + ".conf"));
            d.step_ids.push_back(launch_shard(launcher, s));
            on_launch(i, d.step_ids.back());
        }
        for (std::size_t i = 0; i < d.shards.size(); ++i)
            wait_for_shard(launcher, d.step_ids[i], d.shards[i]);
        for (const auto& s : d.shards) d.addresses.push_back(s.address());
        if (d.shards.size() > 1) {
            const DbAuth auth = d.shards[0].auth();
            form_cluster(d.addresses, d.primaries, auth);
            verify_cluster(d.addresses, d.primaries, auth);
        }
    } catch (...) {
        shut_down(launcher, d);
        d.addresses.clear();
        throw;
    }
}

namespace {
// Stopping must work even when the secrets are gone (the launcher's stop follows).
DbAuth shard_auth(const ShardSpec& s) {
    try {
        return s.auth();
    } catch (const std::exception&) {
        return {};
    }
}
}  // namespace

void shut_down(Launcher& launcher, const Deployment& d) {
    for (std::size_t i = 0; i < d.step_ids.size(); ++i) {
        if (launcher.status(d.step_ids[i]).status == Status::Running)
            db_command(d.shards[i].address(), {"SHUTDOWN", "NOSAVE"}, 1000,
                       shard_auth(d.shards[i]));
    }
    for (const auto& id : d.step_ids) {
        if (!launcher.wait(id, std::chrono::seconds(5)).returncode)
            log_warning("database step " + id + " ignored SHUTDOWN; killing it");
        launcher.stop(id, std::chrono::seconds(2));
    }
}

}  // namespace insitu::launch
