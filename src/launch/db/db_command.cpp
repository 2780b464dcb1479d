#include "launch/db/db_command.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "core/address.h"
#include "core/socket.h"
#include "resp/parser.h"
#include "tls/tls_stream.h"

namespace insitu::launch {
namespace {

using core::Clock;
using core::remaining_ms;

// Non-blocking connect bounded by the deadline; -1 on failure (the caller reports nullopt).
int connect_to(const std::string& address, Clock::time_point deadline) {
    try {
        return core::connect_socket(core::parse_address(address), deadline);
    } catch (const std::exception&) {  // a malformed address or a failed connect
        return -1;
    }
}

}  // namespace

struct DbSession::State {
    int fd = -1;
    std::unique_ptr<tls::Stream> tls;
    resp::Parser parser;
    ~State() {
        tls.reset();
        if (fd >= 0) ::close(fd);
    }
    // One read or write: bytes moved, 0 when it would block (wait for `events`), -1 on failure.
    long io(bool out, char* data, std::size_t n, short& events) {
        if (tls) {
            tls::Want want = out ? tls::Want::write : tls::Want::read;
            long r = -1;
            try {
                r = out ? tls->write(data, n, want) : tls->read(data, n, want);
            } catch (const tls::Error&) {
                return -1;
            }
            if (r == 0) return -1;
            if (r > 0) return r;
            events = want == tls::Want::write ? POLLOUT : POLLIN;
            return 0;
        }
        ssize_t r = out ? ::send(fd, data, n, MSG_NOSIGNAL) : ::recv(fd, data, n, 0);
        if (r > 0) return r;
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            events = out ? POLLOUT : POLLIN;
            return 0;
        }
        return -1;
    }
    // Sends one command and reads its reply; nullopt on a timeout, a closed connection or bytes
    // that are not RESP.
    std::optional<Reply> exchange(const std::vector<std::string>& words,
                                  Clock::time_point deadline) {
        std::string cmd = "*" + std::to_string(words.size()) + "\r\n";
        for (const auto& a : words) cmd += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
        std::size_t sent = 0;
        short events = POLLOUT;
        while (sent < cmd.size()) {
            long n = io(true, cmd.data() + sent, cmd.size() - sent, events);
            if (n < 0) return std::nullopt;
            sent += static_cast<std::size_t>(n);
            pollfd p{fd, events, 0};
            if (n == 0 && ::poll(&p, 1, remaining_ms(deadline)) != 1) return std::nullopt;
        }
        char buf[16384];
        try {
            for (;;) {
                if (auto r = parser.next()) return r;
                long n = io(false, buf, sizeof buf, events);
                if (n < 0) return std::nullopt;
                if (n > 0) {
                    parser.feed(std::string_view(buf, static_cast<std::size_t>(n)));
                    continue;
                }
                pollfd p{fd, events, 0};
                if (::poll(&p, 1, remaining_ms(deadline)) != 1) return std::nullopt;
            }
        } catch (const resp::ProtocolError&) {
            return std::nullopt;
        }
    }
};

DbSession::DbSession() = default;
DbSession::~DbSession() = default;
DbSession::DbSession(DbSession&&) noexcept = default;
DbSession& DbSession::operator=(DbSession&&) noexcept = default;

std::optional<Reply> DbSession::open(const std::string& address, int timeout_ms,
                                     const DbAuth& auth) {
    state_.reset();
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    auto st = std::make_unique<State>();
    st->fd = connect_to(address, deadline);
    if (st->fd < 0) return std::nullopt;
    if (auth.tls && !address.starts_with("unix://")) {
        try {
            st->tls = std::make_unique<tls::Stream>(auth.tls, st->fd);
            st->tls->handshake(core::parse_address(address).host, deadline);
        } catch (const std::exception&) {
            return std::nullopt;  // not (yet) a TLS server of this experiment
        }
    }
    // AUTH first, in its own round trip: servers that parse ahead (KeyDB) would otherwise judge
    // a long command (CLUSTER ADDSLOTS with thousands of slots) as unauthenticated. A refused AUTH
    // (WRONGPASS) is the answer.
    Reply ok;
    ok.type = Reply::Type::status;
    ok.str = "OK";
    if (!auth.empty()) {
        auto r = st->exchange({"AUTH", auth.user, auth.password}, deadline);
        if (!r) return std::nullopt;
        if (r->is_error()) return r;
        ok = *r;
    }
    state_ = std::move(st);
    return ok;
}

std::optional<Reply> DbSession::command(const std::vector<std::string>& args, int timeout_ms) {
    if (!state_) return std::nullopt;
    auto r = state_->exchange(args, Clock::now() + std::chrono::milliseconds(timeout_ms));
    if (!r) state_.reset();  // the stream may hold half a reply: never reuse it
    return r;
}

std::optional<Reply> db_command(const std::string& address, const std::vector<std::string>& args,
                                int timeout_ms, const DbAuth& auth) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    DbSession s;
    auto r = s.open(address, timeout_ms, auth);
    if (!r || r->is_error()) return r;
    return s.command(args, std::max(0, remaining_ms(deadline)));
}

}  // namespace insitu::launch
