#include "launch/db/db_command.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

std::optional<Reply> db_command(const std::string& address, const std::vector<std::string>& args,
                                int timeout_ms, const DbAuth& auth) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    int fd = connect_to(address, deadline);
    if (fd < 0) return std::nullopt;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    std::unique_ptr<tls::Stream> tls;
    if (auth.tls && !address.starts_with("unix://")) {
        try {
            tls = std::make_unique<tls::Stream>(auth.tls, fd);
            tls->handshake(core::parse_address(address).host, deadline);
        } catch (const std::exception&) {
            return std::nullopt;  // not (yet) a TLS server of this experiment
        }
    }
    // One read or write: bytes moved, 0 when it would block (wait for `events`), -1 on failure.
    auto io = [&](bool out, char* data, std::size_t n, short& events) -> long {
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
    };
    resp::Parser parser;
    // Sends one command and reads its reply; nullopt on a timeout, a closed connection or bytes
    // that are not RESP.
    auto exchange = [&](const std::vector<std::string>& words) -> std::optional<Reply> {
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
    };
    // AUTH first, in its own round trip: servers that parse ahead (KeyDB) would otherwise judge
    // a long command (CLUSTER ADDSLOTS with thousands of slots) as unauthenticated. A refused AUTH
    // (WRONGPASS) is the answer.
    std::optional<Reply> out;
    if (!auth.empty()) out = exchange({"AUTH", auth.user, auth.password});
    if (auth.empty() || (out && !out->is_error())) out = exchange(args);
    return out;
}

}  // namespace insitu::launch
