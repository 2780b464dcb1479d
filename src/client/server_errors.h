// Every server error reply the client reacts to, recognised in one table: the module's and
// Redis's wordings map to one kind each, and the callers decide what each kind means for them
// (a KeyException, a retry, a redirection, ...).
#pragma once

#include <string_view>

namespace insitu::client {

enum class ServerError {
    missing_key,    // "ERR tensor key is empty", "ERR model key is empty", "ERR no such key"
    cross_slot,     // "CROSSSLOT Keys in request don't hash to the same slot"
    moved,          // "MOVED <slot> <host>:<port>"
    ask,            // "ASK <slot> <host>:<port>"
    try_again,      // "TRYAGAIN ..." (a multi-key command during a migration)
    cluster_down,   // "CLUSTERDOWN ..."
    loading,        // "LOADING ..." (the server is loading its data set)
    no_run_info,    // AI.INFO of a key that holds no model or script
    bulk_too_long,  // "Protocol error: invalid bulk length" (over proto-max-bulk-len)
    auth_failed,    // "WRONGPASS ..." (Redis 6+), "ERR invalid password" (older): bad credentials
    no_auth,        // "NOAUTH Authentication required.": the server wants a password first
    no_perm,        // "NOPERM ...": the ACL user may not run this command or touch these keys
    auth_not_set,   // "ERR AUTH <password> called without any password configured ..."
    other,
};

ServerError classify_error(std::string_view text);

// TRYAGAIN, CLUSTERDOWN and LOADING: the same command may succeed a little later.
inline bool is_transient(ServerError e) {
    return e == ServerError::try_again || e == ServerError::cluster_down ||
           e == ServerError::loading;
}

// WRONGPASS, NOAUTH and NOPERM: retrying cannot help, the caller must change its credentials.
inline bool is_auth_refusal(ServerError e) {
    return e == ServerError::auth_failed || e == ServerError::no_auth || e == ServerError::no_perm;
}

}  // namespace insitu::client
