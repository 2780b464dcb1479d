// `insitu status --exp-dir DIR`: the entities, database shards and models of an experiment, from
// the telemetry its driver writes (docs/telemetry.md); works while it runs and after it ended.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "cli/options.h"
#include "telemetry/reader.h"
#include "telemetry/schema.h"
#include "telemetry/status_table.h"

namespace insitu::cli {

std::function<int()> add_status(CLI::App& insitu) {
    auto dir = std::make_shared<std::string>();
    CLI::App* cmd = add_command(insitu, "status",
                                "an experiment's entities, database shards and models (from its "
                                "telemetry)");
    cmd->add_option("--exp-dir", *dir, "the experiment's folder (Experiment exp_path)")->required();
    return [dir] {
        telemetry::Reader reader(*dir);
        if (!reader.refresh())
            throw std::runtime_error("no telemetry in " + reader.dir() +
                                     " (was the experiment run with telemetry off?)");
        std::fputs(telemetry::status_tables(reader.snapshot(), telemetry::unix_now()).c_str(),
                   stdout);
        return 0;
    };
}

}  // namespace insitu::cli
