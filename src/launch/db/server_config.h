// The configuration file generated for each database shard (standalone, cluster or co-located).
// Order inside the file: insitu's defaults, then $REDIS_CONF (the user's base config, which may
// override the defaults), then what each shard must have (port, bind, dir, cluster, module).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "launch/db/db_command.h"

namespace insitu::launch {

struct ShardSpec {
    std::string name;               // "orchestrator_0"; also the .out/.err/.conf file names
    std::string dir;                // working directory (logs, cluster nodes file)
    std::vector<std::string> bind;  // addresses to listen on; bind[0] is the advertised one
    int port = 0;                   // 0: no TCP (Unix socket only)
    std::string unix_socket;
    int socket_permissions = 755;
    bool cluster = false;
    bool debug = false;                                      // loglevel verbose
    std::vector<std::string> module_args;                    // THREADS_PER_QUEUE 2 ...
    std::vector<std::pair<std::string, std::string>> extra;  // more directives, last
    // The database's secrets folder (acl_users.h): the config includes its server-auth.conf.
    // Empty: no authentication (an `insecure` database).
    std::string secrets_dir;
    // Serve TLS only (the certificates are in <secrets_dir>/tls, launch/db/tls_files.h).
    bool tls = false;
    std::string address() const;  // "bind[0]:port" or "unix://socket"
    DbAuth auth() const;          // the admin credentials (empty when insecure)
};

// A config value in double quotes (paths with spaces survive the server's parser).
std::string config_quote(const std::string& v);
// The module the shards load ($INSITU_MODULE, $RAI_PATH, or next to the executable).
std::string shard_module_path();
std::string render_server_config(const ShardSpec& s, const std::string& module_path);
// Writes <dir>/<name>.conf (mode 0600) and returns its path.
std::string write_server_config(const ShardSpec& s);
// The server command line: $REDIS_PATH (or redis-server) <conf>.
std::vector<std::string> server_argv(const std::string& conf_path);

// Environment for a database server process. jemalloc (Debian's redis-server, Valkey, KeyDB)
// returns allocations above 8 MiB to the kernel at once, so every large tensor reply or query
// buffer is faulted in page by page; on virtual machines that costs ~10 ms per MiB. "thp:always"
// lets jemalloc back such buffers with 2 MiB pages (measured: 64 MiB put/get 15x faster, see
// docs/performance.md). A MALLOC_CONF set by the user is passed through untouched.
std::map<std::string, std::string> server_environment();
// I/O threads for a server on a host with `cpus` CPUs (more than a quarter of them slows it down).
int default_io_threads(unsigned cpus);

}  // namespace insitu::launch
