#include "client/server_errors.h"

#include <array>
#include <utility>

namespace insitu::client {

ServerError classify_error(std::string_view text) {
    // Redirections and cluster states are reply prefixes (Redis Cluster specification).
    static constexpr std::array<std::pair<std::string_view, ServerError>, 6> prefixes{{
        {"MOVED ", ServerError::moved},
        {"ASK ", ServerError::ask},
        {"CROSSSLOT", ServerError::cross_slot},
        {"TRYAGAIN", ServerError::try_again},
        {"CLUSTERDOWN", ServerError::cluster_down},
        {"LOADING", ServerError::loading},
    }};
    for (const auto& [prefix, kind] : prefixes)
        if (text.starts_with(prefix)) return kind;
    // The module's and Redis's messages, found anywhere in the text ("ERR tensor key is empty").
    static constexpr std::array<std::pair<std::string_view, ServerError>, 4> phrases{{
        {"key is empty", ServerError::missing_key},
        {"no such key", ServerError::missing_key},
        {"cannot find run info", ServerError::no_run_info},
        {"Protocol error: invalid bulk length", ServerError::bulk_too_long},
    }};
    for (const auto& [phrase, kind] : phrases)
        if (text.find(phrase) != std::string_view::npos) return kind;
    return ServerError::other;
}

}  // namespace insitu::client
