#include "client/connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <insitu/errors.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "client/server_errors.h"
#include "core/socket.h"
#include "core/text.h"
#include "resp/parser.h"

namespace insitu::client {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t k_buffer_size = 128 * 1024;  // > resp::k_max_line, so a header always fits
constexpr std::size_t k_direct_read = 16 * 1024;   // below this, reading via the buffer is cheaper
// One buffered recv takes at most this much: a reply head arrives with at most 16 KiB of the value
// behind it, so a large tensor is received straight into caller memory after at most 16 KiB copied
// (128 KiB were copied before: callgrind showed that memcpy as 75% of a 1 MiB put+unpack's
// client instructions).
constexpr std::size_t k_fill_chunk = 16 * 1024;

std::string errno_text(int err) {
    return std::strerror(err);
}

}  // namespace

void check_retryable_error(std::string_view text) {
    const ServerError kind = classify_error(text);
    const bool moved = kind == ServerError::moved;
    if (moved || kind == ServerError::ask) {
        // "MOVED <slot> <host>:<port>"
        std::string_view rest = text.substr(moved ? 6 : 4);
        auto space = rest.find(' ');
        if (space == std::string_view::npos) return;
        auto slot = core::parse_ll(rest.substr(0, space));
        if (!slot) return;
        Redirect r;
        r.ask = !moved;
        r.slot = static_cast<int>(*slot);
        try {
            r.target = core::parse_address(rest.substr(space + 1));
        } catch (const std::invalid_argument&) {
            return;  // not a redirection we understand: the caller sees the error as is
        }
        throw r;
    }
    if (is_transient(kind)) throw TransientError(std::string(text));
}

Connection::Connection(int fd, core::Address address,
                       std::shared_ptr<const Credentials> credentials, int socket_timeout_ms)
    : fd_(fd),
      address_(std::move(address)),
      credentials_(credentials ? std::move(credentials) : std::make_shared<const Credentials>()),
      io_timeout_ms_(socket_timeout_ms),
      reply_timeout_ms_(socket_timeout_ms),
      buf_(k_buffer_size) {}

Connection::~Connection() {
    tls_.reset();
    ::close(fd_);
}

std::unique_ptr<Connection> Connection::open(const core::Address& address,
                                             std::shared_ptr<const Credentials> credentials,
                                             std::chrono::milliseconds connect_timeout,
                                             int socket_timeout_ms) {
    const std::string name = address.to_string();
    int fd = -1;
    try {
        fd = core::connect_socket(address, Clock::now() + connect_timeout);
    } catch (const core::ConnectError& e) {
        throw IoError(e.what());
    }

    std::unique_ptr<Connection> c(
        new Connection(fd, address, std::move(credentials), socket_timeout_ms));
    const Credentials& cred = *c->credentials_;
    if (cred.tls && address.kind == core::Address::Kind::tcp) {
        try {
            c->tls_ = std::make_unique<tls::Stream>(cred.tls, fd);
            c->tls_->handshake(address.host, Clock::now() + connect_timeout);
        } catch (const tls::Error& e) {
            // A certificate the CA did not sign, or a peer that does not speak TLS, will not
            // change with retries: fail now, like a refused password.
            if (e.kind == tls::Error::Kind::refused)
                throw AuthError("TLS connection to " + name + " refused: " + e.what());
            throw IoError(std::string(e.what()) + " (" + name + ")");
        }
    }
    try {
        c->greet();
    } catch (const IoError& e) {
        // A TLS-only server drops (or resets) a plaintext client without a word.
        const std::string_view what = e.what();
        if (!c->tls_ && address.kind == core::Address::Kind::tcp &&
            (what.find("connection closed by the server") != std::string_view::npos ||
             what.find("Connection reset by peer") != std::string_view::npos))
            throw IoError(std::string(e.what()) +
                          "; if the database serves TLS only, give its address as "
                          "rediss://host:port");
        throw;
    }
    return c;
}

void Connection::greet() {
    const std::string name = address_.to_string();
    const Credentials& cred = *credentials_;
    if (!cred.enabled) {
        // A server that wants a password answers NOAUTH here: read_head turns it into AuthError.
        Reply pong = command({"PING"});
        if (!pong.is_status("PONG"))
            throw IoError("database at " + name + " did not answer PING: " + to_display(pong));
        return;
    }
    // AUTH first, before anything else; its +OK is the liveness check (an ACL user need not be
    // allowed PING). A refusal (WRONGPASS) raises AuthError in read_head.
    resp::CommandWriter auth(cred.user.empty() ? 2u : 3u);
    auth.add("AUTH");
    if (!cred.user.empty()) auth.add(cred.user);
    auth.add(cred.password);
    send(auth);
    Reply ok = read_reply();
    if (ok.is_status("OK")) return;
    if (ok.is_error() && classify_error(ok.str) == ServerError::auth_not_set) {
        // The server accepts anyone: the password was not needed (the router warns once).
        password_not_needed_ = true;
        Reply pong = command({"PING"});
        if (!pong.is_status("PONG"))
            throw IoError("database at " + name + " did not answer PING: " + to_display(pong));
        return;
    }
    if (ok.is_error()) {
        // e.g. Redis 5, which has no ACL users: "wrong number of arguments for 'auth'".
        throw AuthError("authentication failed at " + name + " for user '" + cred.user_label() +
                        "' (server said: " + ok.str + ")");
    }
    throw IoError("database at " + name + " did not answer AUTH: " + to_display(ok));
}

[[noreturn]] void Connection::fail_auth(std::string_view server_text) {
    pending_ = true;  // maybe more of a pipeline is unread: drop the connection
    const Credentials& cred = *credentials_;
    const std::string where = address_.to_string();
    const std::string said = " (server said: " + std::string(server_text) + ")";
    switch (classify_error(server_text)) {
        case ServerError::auth_failed:
            throw AuthError("authentication failed at " + where + " for user '" +
                            cred.user_label() + "': wrong user name or password" + said);
        case ServerError::no_auth:
            if (!cred.enabled)
                throw AuthError("authentication failed at " + where +
                                ": the database requires a password; " + cred.how_to_set);
            throw AuthError("authentication failed at " + where + " for user '" +
                            cred.user_label() + "': the database asks for authentication" + said);
        default: {
            // "NOPERM ... to run the 'flushdb' command" names the command; a key or channel
            // refusal does not, so the last command sent is named (a pipeline repeats one kind).
            std::string command = last_command_;
            static constexpr std::string_view open_mark = "run the '";
            if (auto b = server_text.find(open_mark); b != std::string_view::npos) {
                auto e = server_text.find('\'', b + open_mark.size());
                if (e != std::string_view::npos)
                    command = core::to_upper(
                        server_text.substr(b + open_mark.size(), e - b - open_mark.size()));
            }
            throw AuthError("permission denied: user '" + cred.user_label() + "' may not run " +
                            (command.empty() ? std::string("this command") : command) + " at " +
                            where + said);
        }
    }
}

void Connection::fail(const std::string& what) {
    throw IoError(what + " (" + address_.to_string() + ")");
}

void Connection::wait(short events) {
    const bool first_byte = awaiting_reply_ && (events & POLLIN);
    const int timeout = first_byte ? reply_timeout_ms_ : io_timeout_ms_;
    while (true) {
        pollfd p{fd_, events, 0};
        int r = ::poll(&p, 1, timeout);
        if (r > 0) return;  // ready, or an error the next send/recv reports
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail("poll failed: " + errno_text(errno));
        fail(first_byte
                 ? "no reply within " + std::to_string(timeout) + " ms"
                 : "socket timed out after " + std::to_string(timeout) + " ms without progress");
    }
}

// Redis answers an argument longer than its proto-max-bulk-len with this and closes the connection.
static bool is_bulk_limit_error(std::string_view line) {
    return classify_error(line) == ServerError::bulk_too_long;
}

[[noreturn]] void Connection::fail_bulk_limit(std::string_view server_text) {
    pending_ = true;  // the server closes the connection: drop it
    std::string limit;
    try {
        // A fresh connection: this one is being closed by the server.
        auto c = open(address_, credentials_,
                      std::chrono::milliseconds(std::max(io_timeout_ms_, 1000)), io_timeout_ms_);
        Reply r = c->command({"CONFIG", "GET", "proto-max-bulk-len"});
        if (r.elements.size() == 2) limit = " (" + r.elements[1].str + " bytes)";
    } catch (const std::exception&) {
        // The limit stays unnamed in bytes; the setting is still named.
    }
    throw DatabaseException(
        "the database at " + address_.to_string() + " refused a command argument of " +
        std::to_string(largest_arg_) + " bytes as larger than its proto-max-bulk-len" + limit +
        " (server said: " + std::string(server_text) +
        "); raise the limit on the server (CONFIG SET proto-max-bulk-len <bytes>, or "
        "proto-max-bulk-len in its configuration) or send smaller tensors");
}

void Connection::send(const resp::CommandWriter& command) {
    std::vector<iovec> iov;
    command.iovecs(iov);
    last_command_ = command.command_name();
    send_iovecs(iov);
}

void Connection::send(const std::vector<const resp::CommandWriter*>& commands) {
    std::vector<iovec> iov;
    for (const auto* c : commands) c->iovecs(iov);
    last_command_ = commands.empty() ? std::string() : std::string(commands[0]->command_name());
    send_iovecs(iov);
}

void Connection::send_iovecs(std::vector<iovec>& iov) {
    largest_arg_ = 0;
    for (const iovec& v : iov) largest_arg_ = std::max(largest_arg_, v.iov_len);
    pending_ = true;
    awaiting_reply_ = true;
    std::size_t i = 0;
    while (true) {
        while (i < iov.size() && iov[i].iov_len == 0) ++i;
        if (i == iov.size()) break;
        // Partial write: drop the iovecs fully sent and trim the one cut in the middle.
        std::size_t left = send_some(&iov[i], iov.size() - i);
        while (i < iov.size() && left >= iov[i].iov_len) left -= iov[i++].iov_len;
        if (left > 0) {
            iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + left;
            iov[i].iov_len -= left;
        }
    }
}

std::size_t Connection::send_some(iovec* iov, std::size_t count) {
    while (tls_) {
        const void* data = iov[0].iov_base;
        std::size_t len = iov[0].iov_len;
        if (len < k_direct_read && count > 1) {
            // Gather small arguments into one record (a retry after WANT_WRITE gathers the same
            // bytes again, as OpenSSL requires).
            tls_out_.clear();
            for (std::size_t k = 0; k < count && tls_out_.size() < k_direct_read; ++k) {
                const auto* b = static_cast<const char*>(iov[k].iov_base);
                std::size_t take = std::min(iov[k].iov_len, k_direct_read - tls_out_.size());
                tls_out_.insert(tls_out_.end(), b, b + take);
            }
            data = tls_out_.data();
            len = tls_out_.size();
        }
        tls::Want want = tls::Want::write;
        long n = -1;
        try {
            n = tls_->write(data, len, want);
        } catch (const tls::Error& e) {
            fail(std::string("send failed: ") + e.what());
        }
        if (n > 0) return static_cast<std::size_t>(n);
        if (n == 0) fail("connection closed by the server");
        wait(want == tls::Want::read ? POLLIN : POLLOUT);
    }
    while (true) {
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = std::min<std::size_t>(count, IOV_MAX);
        ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait(POLLOUT);
            continue;
        }
        const int err = errno;
        // The server may have refused the command (and closed) before reading all of it;
        // its reply says why, which matters more than the broken pipe.
        if (rpos_ == wpos_) rpos_ = wpos_ = 0;
        ssize_t got = ::recv(fd_, buf_.data() + wpos_, buf_.size() - wpos_, MSG_DONTWAIT);
        if (got > 0) {
            wpos_ += static_cast<std::size_t>(got);
            std::string_view b(buf_.data() + rpos_, buffered());
            auto eol = b.find("\r\n");
            if (!b.empty() && b[0] == '-' && eol != std::string_view::npos) {
                std::string_view line = b.substr(1, eol - 1);
                if (is_bulk_limit_error(line)) fail_bulk_limit(line);
            }
        }
        fail("send failed: " + errno_text(err));
    }
}

std::size_t Connection::receive(void* dst, std::size_t n) {
    while (true) {
        long r = -1;
        short next = POLLIN;
        if (tls_) {
            tls::Want want = tls::Want::read;
            try {
                r = tls_->read(dst, n, want);
            } catch (const tls::Error& e) {
                fail(std::string("recv failed: ") + e.what());
            }
            if (r < 0 && want == tls::Want::write) next = POLLOUT;
        } else {
            r = ::recv(fd_, dst, n, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                fail("recv failed: " + errno_text(errno));
        }
        if (r > 0) {
            awaiting_reply_ = false;
            return static_cast<std::size_t>(r);
        }
        if (r == 0) fail("connection closed by the server");
        wait(next);
    }
}

void Connection::send(const std::vector<std::string_view>& args) {
    resp::CommandWriter w(args.size());
    for (auto a : args) w.add(a);
    send(w);
}

void Connection::fill() {
    if (rpos_ == wpos_) rpos_ = wpos_ = 0;
    if (wpos_ == buf_.size()) {
        std::memmove(buf_.data(), buf_.data() + rpos_, wpos_ - rpos_);
        wpos_ -= rpos_;
        rpos_ = 0;
    }
    wpos_ += receive(buf_.data() + wpos_, std::min(buf_.size() - wpos_, k_fill_chunk));
}

Head Connection::read_head() {
    while (true) {
        std::optional<resp::Header> h;
        try {
            h = resp::parse_header(std::string_view(buf_.data() + rpos_, buffered()));
        } catch (const resp::ProtocolError& e) {
            throw DatabaseException("protocol error from " + address_.to_string() + ": " +
                                    e.what());
        }
        if (h) {
            Head out{h->kind, h->value, std::string(h->line)};
            rpos_ += h->size;
            if (out.kind == '-') {
                // Refusals that no caller may swallow or retry are raised here, for every reply.
                const ServerError kind = classify_error(out.line);
                if (kind == ServerError::bulk_too_long) fail_bulk_limit(out.line);
                if (is_auth_refusal(kind)) fail_auth(out.line);
            }
            return out;
        }
        fill();
    }
}

void Connection::read_into(void* dst, std::size_t n) {
    char* d = static_cast<char*>(dst);
    while (n > 0) {
        if (buffered() > 0) {
            std::size_t k = std::min(n, buffered());
            std::memcpy(d, buf_.data() + rpos_, k);
            rpos_ += k;
            d += k;
            n -= k;
            continue;
        }
        if (n < k_direct_read) {
            fill();
            continue;
        }
        // Large remainder: receive straight into the destination, no intermediate copy.
        std::size_t r = receive(d, n);
        d += r;
        n -= r;
    }
}

void Connection::skip(std::size_t n) {
    while (n > 0) {
        if (buffered() == 0) fill();
        std::size_t k = std::min(n, buffered());
        rpos_ += k;
        n -= k;
    }
}

void Connection::expect_crlf() {
    char crlf[2];
    read_into(crlf, 2);
    if (crlf[0] != '\r' || crlf[1] != '\n')
        throw DatabaseException("protocol error from " + address_.to_string() +
                                ": bulk string not terminated by CRLF");
}

std::string Connection::read_string() {
    Head h = read_head();
    if (h.kind == '+') return h.line;
    if (h.kind != '$' || h.value < 0)
        throw DatabaseException("protocol error from " + address_.to_string() +
                                ": expected a string in the reply");
    std::string s(static_cast<std::size_t>(h.value), '\0');
    read_into(s.data(), s.size());
    expect_crlf();
    return s;
}

Reply Connection::read_value(std::size_t depth) {
    if (depth > resp::k_max_depth)
        throw DatabaseException("protocol error from " + address_.to_string() +
                                ": reply nested too deep");
    Head h = read_head();
    Reply r;
    switch (h.kind) {
        case '$':
        case '=':
        case '!':
            if (h.value < 0) break;  // nil
            r.type = h.kind == '!' ? Reply::Type::error : Reply::Type::bulk;
            r.str.resize(static_cast<std::size_t>(h.value));
            read_into(r.str.data(), r.str.size());
            expect_crlf();
            break;
        case '*':
        case '%':
        case '~':
        case '>': {
            if (h.value < 0) break;
            r.type = h.kind == '%'   ? Reply::Type::map
                     : h.kind == '~' ? Reply::Type::set
                                     : Reply::Type::array;
            long long n = h.kind == '%' ? h.value * 2 : h.value;
            r.elements.reserve(static_cast<std::size_t>(std::min<long long>(n, 1024)));
            for (long long i = 0; i < n; ++i) r.elements.push_back(read_value(depth + 1));
            break;
        }
        case ':':
            r.type = Reply::Type::integer;
            r.integer = h.value;
            break;
        case '#':
            r.type = Reply::Type::boolean;
            r.integer = h.value;
            break;
        case '+':
            r.type = Reply::Type::status;
            r.str = std::move(h.line);
            break;
        case '-':
            r.type = Reply::Type::error;
            r.str = std::move(h.line);
            break;
        case ',':
            r.type = Reply::Type::dbl;
            r.str = std::move(h.line);
            break;
        case '(':
            r.type = Reply::Type::big_number;
            r.str = std::move(h.line);
            break;
        default:
            break;  // '_' : nil
    }
    return r;
}

Reply Connection::read_reply() {
    Reply r = read_value(0);
    pending_ = false;
    return r;
}

Reply Connection::command(const std::vector<std::string_view>& args) {
    send(args);
    return read_reply();
}

}  // namespace insitu::client
