#include "raw_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "core/address.h"

#include <arpa/inet.h>
#include <netdb.h>

namespace insitu::bench {

RawClient::RawClient(const std::string& address) {
    auto a = core::parse_address(address);
    if (a.kind == core::Address::Kind::unix_socket) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::strncpy(sa.sun_path, a.path.c_str(), sizeof sa.sun_path - 1);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
            throw std::runtime_error("raw client: cannot connect to " + address);
    } else {
        addrinfo hints{}, *res = nullptr;
        hints.ai_socktype = SOCK_STREAM;
        if (::getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &res) != 0)
            throw std::runtime_error("raw client: cannot resolve " + address);
        fd_ = ::socket(res->ai_family, SOCK_STREAM, 0);
        int rc = ::connect(fd_, res->ai_addr, res->ai_addrlen);
        ::freeaddrinfo(res);
        if (rc != 0) throw std::runtime_error("raw client: cannot connect to " + address);
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

RawClient::~RawClient() {
    if (fd_ >= 0) ::close(fd_);
}

void RawClient::send_all(const std::string& head, const void* data, std::size_t len,
                         const std::string& tail) {
    iovec iov[3] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<void*>(data), len},
                    {const_cast<char*>(tail.data()), tail.size()}};
    int first = 0;
    while (first < 3) {
        ssize_t n = ::writev(fd_, iov + first, 3 - first);
        if (n < 0) throw std::runtime_error("raw client: write failed");
        auto left = static_cast<std::size_t>(n);
        while (first < 3 && left >= iov[first].iov_len) left -= iov[first++].iov_len;
        if (first < 3) {
            iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
    }
}

std::string RawClient::read_line() {
    while (true) {
        auto nl = buf_.find("\r\n", pos_);
        if (nl != std::string::npos) {
            std::string line = buf_.substr(pos_, nl - pos_);
            pos_ = nl + 2;
            return line;
        }
        char tmp[4096];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) throw std::runtime_error("raw client: connection closed");
        buf_.erase(0, pos_);
        pos_ = 0;
        buf_.append(tmp, static_cast<std::size_t>(n));
    }
}

void RawClient::read_exact(void* dst, std::size_t n) {
    auto* out = static_cast<char*>(dst);
    std::size_t have = std::min(n, buf_.size() - pos_);
    std::memcpy(out, buf_.data() + pos_, have);
    pos_ += have;
    while (have < n) {
        ssize_t r = ::recv(fd_, out + have, n - have, 0);
        if (r <= 0) throw std::runtime_error("raw client: connection closed");
        have += static_cast<std::size_t>(r);
    }
}

void RawClient::set(const std::string& key, const void* data, std::size_t len) {
    std::string head = "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key +
                       "\r\n$" + std::to_string(len) + "\r\n";
    send_all(head, data, len, "\r\n");
    std::string line = read_line();
    if (line != "+OK") throw std::runtime_error("raw client: SET failed: " + line);
}

void RawClient::get(const std::string& key, void* out, std::size_t len) {
    std::string head = "*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" + key;
    send_all(head, nullptr, 0, "\r\n");
    std::string line = read_line();
    if (line.empty() || line[0] != '$' || std::stoull(line.substr(1)) != len)
        throw std::runtime_error("raw client: unexpected GET reply " + line);
    read_exact(out, len);
    char crlf[2];
    read_exact(crlf, 2);
}

void RawClient::ping() {
    send_all("*1\r\n$4\r\nPING\r\n", nullptr, 0, "");
    if (read_line() != "+PONG") throw std::runtime_error("raw client: PING failed");
}

void RawClient::read_value(void* out, std::size_t out_len, bool& after_blob) {
    std::string line = read_line();
    if (line.empty()) throw std::runtime_error("raw client: empty reply line");
    switch (line[0]) {
        case '*': {
            const long long n = std::stoll(line.substr(1));
            for (long long i = 0; i < n; ++i) read_value(out, out_len, after_blob);
            return;
        }
        case '$': {
            const long long n = std::stoll(line.substr(1));
            if (n < 0) return;
            const auto len = static_cast<std::size_t>(n);
            char crlf[2];
            if (after_blob && len == out_len) {
                read_exact(out, len);
                after_blob = false;
            } else {
                std::string v(len, '\0');
                read_exact(v.data(), len);
                after_blob = v == "blob";
            }
            read_exact(crlf, 2);
            return;
        }
        case '-':
            throw std::runtime_error("raw client: error reply " + line);
        default:
            return;  // +status, :integer
    }
}

void RawClient::command(const std::string& head, const void* data, std::size_t len,
                        const std::string& tail, void* out, std::size_t out_len) {
    send_all(head, data, len, tail);
    bool after_blob = false;
    read_value(out, out_len, after_blob);
}

}  // namespace insitu::bench
