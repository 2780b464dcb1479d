#pragma once

#include <string>
#include <vector>

namespace insitu::cli {

// Each sub-command returns the process exit code.
int demo(const std::vector<std::string>& args);

}  // namespace insitu::cli
