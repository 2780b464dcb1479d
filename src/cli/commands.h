#pragma once

#include <string>
#include <vector>

namespace insitu::cli {

// Each sub-command returns the process exit code.
int demo(const std::vector<std::string>& args);
int db(const std::vector<std::string>& args);
int info(const std::vector<std::string>& args);
int validate(const std::vector<std::string>& args);
int run_colocated(const std::vector<std::string>& args);

}  // namespace insitu::cli
