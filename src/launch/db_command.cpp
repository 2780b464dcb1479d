#include "launch/db_command.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "resp/parser.h"

namespace insitu::launch {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Non-blocking connect bounded by the deadline; -1 on failure.
int connect_to(const std::string& address, Clock::time_point deadline) {
    int fd = -1;
    if (address.rfind("unix://", 0) == 0) {
        std::string path = address.substr(7);
        sockaddr_un a{};
        if (path.size() >= sizeof a.sun_path) return -1;
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }
    auto [host, port] = split_address(address);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
    for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            ::close(fd);
            fd = -1;
            continue;
        }
        pollfd p{fd, POLLOUT, 0};
        int err = 0;
        socklen_t len = sizeof err;
        if (::poll(&p, 1, remaining_ms(deadline)) != 1 ||
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(res);
    return fd;
}

}  // namespace

std::pair<std::string, int> split_address(const std::string& address) {
    auto colon = address.rfind(':');
    if (colon == std::string::npos || colon + 1 == address.size())
        throw std::invalid_argument("not a host:port address: " + address);
    std::string host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host, std::stoi(address.substr(colon + 1))};
}

std::optional<Reply> db_command(const std::string& address, const std::vector<std::string>& args,
                                int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    int fd = connect_to(address, deadline);
    if (fd < 0) return std::nullopt;
    std::string cmd = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) cmd += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
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
            while (!out) {
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, remaining_ms(deadline)) != 1) break;
                ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EAGAIN) continue;
                if (n <= 0) break;
                parser.feed(std::string_view(buf, static_cast<std::size_t>(n)));
                out = parser.next();
            }
        } catch (const resp::ProtocolError&) {
            out.reset();
        }
    }
    ::close(fd);
    return out;
}

}  // namespace insitu::launch
