// Progress messages of the launcher, on stderr, prefixed "insitu: ". INSITU_LOG_LEVEL selects
// quiet, info (default) or debug.
#pragma once

#include <string>

namespace insitu::launch {

void log_info(const std::string& msg);
void log_debug(const std::string& msg);
void log_warning(const std::string& msg);

}  // namespace insitu::launch
