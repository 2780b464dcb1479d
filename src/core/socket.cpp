#include "core/socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace insitu::core {
namespace {

// Waits for a non-blocking connect() to finish; returns 0 or the errno of the failure.
int finish_connect(int fd, Clock::time_point deadline) {
    while (true) {
        pollfd p{fd, POLLOUT, 0};
        int r = ::poll(&p, 1, remaining_ms(deadline));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errno;
        if (r == 0) return ETIMEDOUT;
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
        return err;
    }
}

// Connects one socket; returns the fd or -1 with `err` set.
int try_connect(int family, const sockaddr* sa, socklen_t len, Clock::time_point deadline,
                int& err) {
    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err = errno;
        return -1;
    }
    int r = ::connect(fd, sa, len);
    err = r == 0 ? 0 : errno;
    if (err == EINPROGRESS || err == EAGAIN || err == EINTR) err = finish_connect(fd, deadline);
    if (err != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, INT_MAX));
}

int connect_socket(const Address& address, Clock::time_point deadline) {
    const std::string name = address.to_string();
    int fd = -1, err = 0;
    if (address.kind == Address::Kind::unix_socket) {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        if (address.path.size() >= sizeof sa.sun_path)
            throw ConnectError("cannot connect to " + name + ": socket path too long");
        std::memcpy(sa.sun_path, address.path.c_str(), address.path.size() + 1);
        fd = try_connect(AF_UNIX, reinterpret_cast<const sockaddr*>(&sa), sizeof sa, deadline, err);
    } else {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        addrinfo* list = nullptr;
        std::string port = std::to_string(address.port);
        int gai = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &list);
        if (gai != 0) throw ConnectError("cannot resolve " + name + ": " + ::gai_strerror(gai));
        for (addrinfo* ai = list; ai && fd < 0; ai = ai->ai_next)
            fd = try_connect(ai->ai_family, ai->ai_addr, ai->ai_addrlen, deadline, err);
        ::freeaddrinfo(list);
        if (fd >= 0) {
            // Small commands must not wait for Nagle's algorithm.
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
    }
    if (fd < 0) throw ConnectError("cannot connect to " + name + ": " + std::strerror(err));
    return fd;
}

bool port_bindable(const std::string& host, int port, bool reuse_addr) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (reuse_addr) {
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

}  // namespace insitu::core
