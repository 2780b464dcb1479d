#include "client/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <insitu/errors.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace insitu::client {

std::string option_name(const ConfigOptions& cfg, const std::string& name) {
    return cfg.db_suffix().empty() ? name : name + "_" + cfg.db_suffix();
}

namespace {

std::string octal_mode(mode_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

constexpr std::size_t k_max_password_file = 64 * 1024;

}  // namespace

std::string read_password_file(const std::string& path, const std::string& option) {
    const std::string where = option + " ('" + path + "')";
    // O_NOFOLLOW is not used: a link to a private file is fine, and fstat checks the file read.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw ParameterException("cannot read the password file " + where + ": " +
                                 std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw ParameterException("the password file " + where + " is not a regular file");
    if ((st.st_mode & 077) != 0) {
        throw ParameterException(
            "the password file " + where + " may be read or changed by other users (mode " +
            octal_mode(st.st_mode) + "); make it private with chmod 600 '" + path + "'");
    }
    std::string text;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            throw ParameterException("cannot read the password file " + where + ": " +
                                     std::strerror(errno));
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > k_max_password_file)
            throw ParameterException("the password file " + where + " is larger than 64 KiB");
    }
    if (text.ends_with('\n')) text.pop_back();
    if (text.ends_with('\r')) text.pop_back();
    if (text.empty()) throw ParameterException("the password file " + where + " is empty");
    return text;
}

Credentials resolve_credentials(const ConfigOptions& cfg, const std::vector<core::Address>& seeds) {
    const std::string user_opt = option_name(cfg, "SR_DB_USER");
    const std::string password_opt = option_name(cfg, "SR_DB_PASSWORD");
    const std::string file_opt = option_name(cfg, "SR_DB_PASSWORD_FILE");
    const std::string ssdb_opt = option_name(cfg, "SSDB");

    Credentials c;
    c.how_to_set = "set " + password_opt + " (or " + file_opt + ", or give " + ssdb_opt +
                   " as redis://user:password@host:port)";

    // The URL's user info: every seed that has some must agree (one database, one identity).
    const core::Address* url = nullptr;
    for (const auto& s : seeds) {
        if (!s.has_credentials()) continue;
        if (url && (url->user != s.user || url->password != s.password)) {
            throw ParameterException(ssdb_opt + " gives different credentials for " +
                                     url->to_string() + " and " + s.to_string() +
                                     "; one client authenticates as one user");
        }
        url = &s;
    }

    // A URL with a password is a whole identity ("redis://:pw@" is the default user); a URL with
    // a user alone takes the password from the options.
    if (url && url->password) {
        c.user = url->user;
        c.password = *url->password;
    } else {
        c.user = url ? url->user : cfg.get_string_option_or("SR_DB_USER", "");
        // Empty counts as unset, for overrides as for the environment (so that a program can
        // turn a variable it inherited off).
        const std::string direct = cfg.get_string_option_or("SR_DB_PASSWORD", "");
        const std::string file = cfg.get_string_option_or("SR_DB_PASSWORD_FILE", "");
        if (!direct.empty() && !file.empty())
            throw ParameterException("both " + password_opt + " and " + file_opt +
                                     " are set; set only one");
        c.password = file.empty() ? direct : read_password_file(file, file_opt);
    }
    if (c.password.empty()) {
        if (!c.user.empty()) {
            throw ParameterException("a database user ('" + c.user + "', from " + user_opt +
                                     " or " + ssdb_opt + ") is given but no password; " +
                                     c.how_to_set);
        }
        return c;  // no authentication
    }
    // AUTH <password> authenticates as "default"; naming it adds nothing (and Redis < 6 has no
    // two-argument AUTH).
    if (c.user == "default") c.user.clear();
    c.enabled = true;
    return c;
}

}  // namespace insitu::client
