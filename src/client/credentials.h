// Who the client authenticates as. Resolved once per client from SSDB's URL user info (which wins)
// and the SR_DB_USER / SR_DB_PASSWORD / SR_DB_PASSWORD_FILE options (environment variables with
// the database suffix, or ConfigOptions overrides), then sent as AUTH on every connection the
// client opens. The password never appears in a message or a log.
#pragma once

#include <insitu/config_options.h>

#include <memory>
#include <string>
#include <vector>

#include "core/address.h"
#include "tls/tls_stream.h"

namespace insitu::client {

struct Credentials {
    bool enabled = false;  // send AUTH on connect
    std::string user;      // "" = Redis's default user (AUTH <password>)
    std::string password;
    // The option names, as the user sees them, that set a password (for "the database requires
    // a password" errors), e.g. "SR_DB_PASSWORD_INPUT (or SR_DB_PASSWORD_FILE_INPUT, ...)".
    std::string how_to_set;
    // TLS for every TCP connection (null: plaintext); how the client checks who the server is
    // (client/tls_options.h).
    std::shared_ptr<const tls::ClientContext> tls;

    const std::string& user_label() const {
        static const std::string def = "default";
        return user.empty() ? def : user;
    }
};

// Throws ParameterException (naming the option or file, never the password) when the options
// contradict each other, a user has no password, or the password file is unsafe or unreadable.
Credentials resolve_credentials(const ConfigOptions& cfg, const std::vector<core::Address>& seeds);

// An option's name as the user sets it: with the database suffix ("SSDB_INPUT"), if any.
std::string option_name(const ConfigOptions& cfg, const std::string& name);

// Reads a password file: a regular file that only its owner may access (mode & 077 == 0); one
// trailing newline (\n or \r\n) is dropped. `option` names the setting in errors.
std::string read_password_file(const std::string& path, const std::string& option);

}  // namespace insitu::client
