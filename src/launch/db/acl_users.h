// Who may do what on a database insitu starts: the ACL users, their secrets and the server
// directives that enforce them. Secrets are generated per database start (256 bits from the OS
// random source), live only in 0600 files inside a 0700 folder of the database's directory
// (<db dir>/secrets/<user>) and reach the server through an included 0600 config file in that
// folder: never a command line, a log or the experiment's summary.
#pragma once

#include <string>
#include <vector>

#include "launch/db/db_command.h"

namespace insitu::launch {

struct AclUser {
    const char* name;
    const char* rules;  // Redis ACL rules after "user <name> on >password"
};

// admin (everything: the launcher), app (data and running models; no server administration),
// reader (reads only). The app user is what applications get unless their entity has a role.
const std::vector<AclUser>& acl_users();
// True for "admin", "app" and "reader".
bool is_acl_user(const std::string& name);

// <db dir>/secrets
std::string secrets_dir_of(const std::string& db_dir);
// <secrets dir>/<user>
std::string secret_file(const std::string& secrets_dir, const std::string& user);
// <secrets dir>/server-auth.conf: the users, `default` disabled, masteruser/masterauth.
std::string server_auth_config_file(const std::string& secrets_dir);

// Creates the folder (mode 0700; an existing one is tightened, a symlink refused), writes a fresh
// secret for every user (0600) and the server's auth config (0600). Returns nothing: readers use
// the files.
void generate_secrets(const std::string& secrets_dir);
// The secret of `user`; throws ConfigError naming the file (never its content) when it is missing,
// unreadable or accessible by others.
std::string read_secret(const std::string& secrets_dir, const std::string& user);
// The admin credentials for the launcher's own connections; empty for "" (an insecure database).
// With `tls` (the database serves TLS only), also its CA, loaded once: throws ConfigError naming
// the file when it is missing or unreadable (never a fallback to plaintext).
DbAuth admin_auth(const std::string& secrets_dir, bool tls = false);

// Creates `dir` with mode 0700 (parents as needed); an existing one must be ours and not a symlink,
// and is tightened to 0700.
void make_private_dir(const std::string& dir);
// Writes `content` to `path` with mode 0600 (also when the file existed with looser permissions),
// atomically (a new file renamed into place).
void write_private_file(const std::string& path, const std::string& content);

}  // namespace insitu::launch
