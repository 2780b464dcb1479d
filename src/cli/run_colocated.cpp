// `insitu run-colocated [options] -- app args...`: the wrapper co-located launches put in front of
// every application process (see launch/db/colocated.h; the driver writes its options).
#include "cli/commands.h"
#include "launch/db/colocated.h"

namespace insitu::cli {

int run_colocated(const std::vector<std::string>& args) {
    return launch::run_colocated(args);
}

}  // namespace insitu::cli
