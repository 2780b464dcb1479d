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
    auto encode = [](const std::vector<std::string>& words) {
        std::string c = "*" + std::to_string(words.size()) + "\r\n";
        for (const auto& a : words) c += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
        return c;
    };
    // AUTH and the command in one write; the AUTH reply is read first.
    int replies = auth.empty() ? 1 : 2;
    std::string cmd = auth.empty() ? "" : encode({"AUTH", auth.user, auth.password});
    cmd += encode(args);
    std::optional<Reply> out;
    std::size_t sent = 0;
    while (sent < cmd.size()) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, remaining_ms(deadline)) != 1) break;
        ssize_t n = ::send(fd, cmd.data() + sent, cmd.size() - sent, MSG_NOSIGNAL);
        if (n <= 0 && errno != EAGAIN) break;
        if (n > 0) sent += static_cast<std::size_t>(n);
    }
    if (sent == cmd.size()) {
        resp::Parser parser;
        char buf[16384];
        try {
            while (replies > 0) {
                if (auto r = parser.next()) {
                    out = std::move(r);
                    // A refused AUTH is the answer: the command ran unauthenticated.
                    if (--replies == 0 || out->is_error()) break;
                    out.reset();
                    continue;
                }
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, remaining_ms(deadline)) != 1) break;
                ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EAGAIN) continue;
                if (n <= 0) break;
                parser.feed(std::string_view(buf, static_cast<std::size_t>(n)));
            }
            if (replies > 0 && !(out && out->is_error())) out.reset();
        } catch (const resp::ProtocolError&) {
            out.reset();
        }
    }
    ::close(fd);
    return out;
}

}  // namespace insitu::launch
