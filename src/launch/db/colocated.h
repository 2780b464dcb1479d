// The co-located database: `insitu run-colocated` wraps each application process. On every host
// the first wrapper to take a lock in the node's temporary directory starts the database (pinned
// to its CPUs), every wrapper runs its application (optionally on the remaining CPUs), and the
// database is stopped once the last wrapper on the host is done: also when the application
// crashes or the wrapper is signalled; a wrapper killed outright takes the database with it
// (PR_SET_PDEATHSIG).
#pragma once

#include <insitu/entity.h>

#include <string>
#include <vector>

namespace insitu::launch {

// The `insitu` executable: $INSITU_CLI, next to the running executable (or one level up), the
// build tree's, or `insitu` on PATH. Throws if none exists.
std::string insitu_cli_path();

// The wrapper's argv prefix: <insitu> run-colocated <options> --  (the application follows).
// `lock_key` must be unique per launch; the database logs go to <dir>/<db_name>.out|.err.
// With a manifest (launch/db/db_objects.h), the database's models and scripts are stored before any
// application runs, and "ok" or "error: <why>" is written to status_file.
std::vector<std::string> colocated_wrapper_argv(const ColocatedSettings& s,
                                                const std::string& lock_key, const std::string& dir,
                                                const std::string& db_name,
                                                const std::string& manifest = "",
                                                const std::string& status_file = "",
                                                const std::string& entity = "",
                                                const std::string& secrets_dir = "");
// The SSDB value the application gets.
std::string colocated_address(const ColocatedSettings& s);
// Where a secure co-located database's secrets live: <dir>/<db_name>-secrets.
std::string colocated_secrets_dir(const std::string& dir, const std::string& db_name);
// The socket a co-located database really listens on. Secure: inside a private folder next to the
// path asked for (<parent>/insitu-sockets-<uid>/<name>, folder 0700, socket 0700), so that other
// users cannot even reach it; insecure: the path as given.
std::string colocated_socket_path(const ColocatedSettings& s);

// `insitu run-colocated ...`: the wrapper itself. Returns the application's exit code (128+signal
// if it was killed).
int run_colocated(const std::vector<std::string>& args);

// "0-2,5" <-> {0,1,2,5}.
std::vector<int> parse_cpu_list(const std::string& s);
std::string format_cpu_list(const std::vector<int>& cpus);

}  // namespace insitu::launch
