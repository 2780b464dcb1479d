#include "launch/db/db_command.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "core/address.h"
#include "core/socket.h"
#include "resp/parser.h"

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
    resp::Parser parser;
    // Sends one command and reads its reply; nullopt on a timeout, a closed connection or bytes
    // that are not RESP.
    auto exchange = [&](const std::vector<std::string>& words) -> std::optional<Reply> {
        std::string cmd = "*" + std::to_string(words.size()) + "\r\n";
        for (const auto& a : words) cmd += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
        std::size_t sent = 0;
        while (sent < cmd.size()) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) != 1) return std::nullopt;
            ssize_t n = ::send(fd, cmd.data() + sent, cmd.size() - sent, MSG_NOSIGNAL);
            if (n <= 0 && errno != EAGAIN) return std::nullopt;
            if (n > 0) sent += static_cast<std::size_t>(n);
        }
        char buf[16384];
        try {
            for (;;) {
                if (auto r = parser.next()) return r;
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, remaining_ms(deadline)) != 1) return std::nullopt;
                ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EAGAIN) continue;
                if (n <= 0) return std::nullopt;
                parser.feed(std::string_view(buf, static_cast<std::size_t>(n)));
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
    ::close(fd);
    return out;
}

}  // namespace insitu::launch
