#include "core/text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace insitu::core {

std::optional<double> parse_double(std::string_view s) noexcept {
    if (s.empty() || s.size() > 255 || std::isspace(static_cast<unsigned char>(s[0])))
        return std::nullopt;
    char buf[256];
    s.copy(buf, s.size());
    buf[s.size()] = '\0';
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(buf, &end);
    if (end != buf + s.size() || std::isnan(v)) return std::nullopt;
    if (errno == ERANGE && std::isinf(v)) return std::nullopt;
    return v;
}

}  // namespace insitu::core
