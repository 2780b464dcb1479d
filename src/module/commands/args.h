// Views of a command's RedisModuleString arguments as string_views, for the engine's parsers.
#pragma once

#include <string_view>
#include <vector>

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

inline std::vector<std::string_view> arg_views(RedisModuleString** argv, int argc, int from = 1) {
    std::vector<std::string_view> out;
    out.reserve(static_cast<std::size_t>(argc > from ? argc - from : 0));
    for (int i = from; i < argc; ++i) {
        size_t len = 0;
        const char* p = RedisModule_StringPtrLen(argv[i], &len);
        out.emplace_back(p, len);
    }
    return out;
}

}  // namespace insitu::module
