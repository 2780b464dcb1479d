#include "client/server_errors.h"

#include <array>
#include <utility>

namespace insitu::client {

ServerError classify_error(std::string_view text) {
    // Redirections and cluster states are reply prefixes (Redis Cluster specification).
    static constexpr std::array<std::pair<std::string_view, ServerError>, 10> prefixes{{
        {"MOVED ", ServerError::moved},
        {"ASK ", ServerError::ask},
        {"CROSSSLOT", ServerError::cross_slot},
        {"TRYAGAIN", ServerError::try_again},
        {"CLUSTERDOWN", ServerError::cluster_down},
        {"LOADING", ServerError::loading},
        // Authentication and ACL refusals (Redis 6+, KeyDB, Valkey).
        {"WRONGPASS", ServerError::auth_failed},
        {"NOAUTH", ServerError::no_auth},
        {"NOPERM", ServerError::no_perm},
        {"ERR invalid password", ServerError::auth_failed},  // Redis 5
    }};
    for (const auto& [prefix, kind] : prefixes)
        if (text.starts_with(prefix)) return kind;
    // The module's and Redis's messages, found anywhere in the text ("ERR tensor key is empty").
    static constexpr std::array<std::pair<std::string_view, ServerError>, 6> phrases{{
        {"key is empty", ServerError::missing_key},
        {"no such key", ServerError::missing_key},
        {"cannot find run info", ServerError::no_run_info},
        {"Protocol error: invalid bulk length", ServerError::bulk_too_long},
        // AUTH with a password to a server that has none (Redis 6+; then Redis 5's wording).
        {"called without any password configured", ServerError::auth_not_set},
        {"Client sent AUTH, but no password is set", ServerError::auth_not_set},
    }};
    for (const auto& [phrase, kind] : phrases)
        if (text.find(phrase) != std::string_view::npos) return kind;
    return ServerError::other;
}

}  // namespace insitu::client
