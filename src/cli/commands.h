#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace insitu::cli {

// The user-facing sub-commands: each adds itself and its options to `insitu` (cli/options.h) and
// returns what runs it once parsed (the process exit code).
std::function<int()> add_demo(CLI::App& insitu);
std::function<int()> add_db(CLI::App& insitu);
std::function<int()> add_info(CLI::App& insitu);
std::function<int()> add_validate(CLI::App& insitu);
std::function<int()> add_status(CLI::App& insitu);
std::function<int()> add_dashboard(CLI::App& insitu);

// Internal: the argv the driver wrote for a co-located launch, read verbatim.
int run_colocated(const std::vector<std::string>& args);

}  // namespace insitu::cli
