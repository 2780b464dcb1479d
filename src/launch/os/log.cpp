#include "launch/os/log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace insitu::launch {
namespace {

int level() {
    static const int lvl = [] {
        const char* v = std::getenv("INSITU_LOG_LEVEL");
        if (!v) return 1;
        if (std::strcmp(v, "quiet") == 0) return 0;
        if (std::strcmp(v, "debug") == 0 || std::strcmp(v, "developer") == 0) return 2;
        return 1;
    }();
    return lvl;
}

void emit(const char* kind, const std::string& msg) {
    // One write per line so that lines from several processes do not interleave.
    std::string line = std::string("insitu: ") + kind + msg + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

void log_info(const std::string& msg) {
    if (level() >= 1) emit("", msg);
}
void log_debug(const std::string& msg) {
    if (level() >= 2) emit("debug: ", msg);
}
void log_warning(const std::string& msg) {
    if (level() >= 1) emit("warning: ", msg);
}

}  // namespace insitu::launch
