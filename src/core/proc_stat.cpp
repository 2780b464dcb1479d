#include "core/proc_stat.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace insitu::core {

std::optional<unsigned long long> process_start_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    // After ')' come fields 3, 4, ...; the start time is field 22.
    std::size_t pos = close + 1;
    for (int field = 3; field < 22; ++field) {
        pos = line.find(' ', pos + 1);
        if (pos == std::string::npos) return std::nullopt;
    }
    char* end = nullptr;
    unsigned long long v = std::strtoull(line.c_str() + pos + 1, &end, 10);
    if (end == line.c_str() + pos + 1) return std::nullopt;
    return v;
}

}  // namespace insitu::core
