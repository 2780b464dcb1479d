#include "tls/tls_stream.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>

namespace insitu::tls {
namespace {

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

// A socket BIO whose writes use MSG_NOSIGNAL: OpenSSL's own writes with write(), and a server
// that closed the connection would raise SIGPIPE in the application.
int bio_write(BIO* b, const char* data, int len) {
    const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
    BIO_clear_retry_flags(b);
    ssize_t n = ::send(fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return static_cast<int>(n);
}

int bio_read(BIO* b, char* out, int len) {
    const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
    BIO_clear_retry_flags(b);
    ssize_t n = ::recv(fd, out, static_cast<std::size_t>(len), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(b);
    return static_cast<int>(n);
}

long bio_ctrl(BIO*, int cmd, long, void*) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

BIO_METHOD* socket_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "insitu socket");
        BIO_meth_set_write(m, bio_write);
        BIO_meth_set_read(m, bio_read);
        BIO_meth_set_ctrl(m, bio_ctrl);
        BIO_meth_set_create(m, bio_create);
        return m;
    }();
    return method;
}

bool is_ip(const std::string& host) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

ClientContext::ClientContext(ClientOptions options)
    : options_(std::move(options)), ctx_(SSL_CTX_new(TLS_client_method())) {
    if (!ctx_)
        throw Error(Error::Kind::refused, "cannot create a TLS context: " + openssl_errors());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    // Partial writes let the caller's iovec loop advance record by record; read-ahead takes
    // whole records (and more) per recv instead of a header and a body.
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx_, 1);
    // A server closing without close_notify reads as end of stream, as it does over plain TCP.
    SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    bool ok = true;
    if (options_.ca_file.empty()) {
        ok = SSL_CTX_set_default_verify_paths(ctx_) == 1;
    } else {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(options_.ca_file, ec)) {
            SSL_CTX_free(ctx_);
            throw Error(Error::Kind::refused,
                        "the TLS CA file " + options_.ca_file + " does not exist");
        }
        ok = SSL_CTX_load_verify_locations(ctx_, options_.ca_file.c_str(), nullptr) == 1;
    }
    if (!ok) {
        std::string why = openssl_errors();
        SSL_CTX_free(ctx_);
        throw Error(
            Error::Kind::refused,
            "cannot load the TLS CA " +
                (options_.ca_file.empty() ? std::string("of the system") : options_.ca_file) +
                ": " + why);
    }
}

ClientContext::~ClientContext() {
    SSL_CTX_free(ctx_);
}

Stream::Stream(std::shared_ptr<const ClientContext> context, int fd)
    : context_(std::move(context)), ssl_(SSL_new(context_->native())), fd_(fd) {
    if (!ssl_)
        throw Error(Error::Kind::refused, "cannot create a TLS session: " + openssl_errors());
    BIO* bio = BIO_new(socket_method());
    if (!bio) {
        SSL_free(ssl_);
        throw Error(Error::Kind::refused, "cannot create a TLS socket: " + openssl_errors());
    }
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
    SSL_set_bio(ssl_, bio, bio);
}

Stream::~Stream() {
    SSL_free(ssl_);
}

void Stream::handshake(const std::string& host, std::chrono::steady_clock::time_point deadline) {
    if (context_->options().verify_host) {
        if (is_ip(host)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
        } else {
            SSL_set1_host(ssl_, host.c_str());
            SSL_set_tlsext_host_name(ssl_, host.c_str());
        }
    }
    while (true) {
        ERR_clear_error();
        errno = 0;
        int r = SSL_connect(ssl_);
        if (r == 1) return;
        int err = SSL_get_error(ssl_, r);
        short events = 0;
        if (err == SSL_ERROR_WANT_READ) events = POLLIN;
        if (err == SSL_ERROR_WANT_WRITE) events = POLLOUT;
        if (events == 0) {
            long verify = SSL_get_verify_result(ssl_);
            if (verify != X509_V_OK)
                throw Error(Error::Kind::refused, std::string("TLS certificate verify failed: ") +
                                                      X509_verify_cert_error_string(verify));
            std::string why = openssl_errors();
            if (why.empty()) {
                // The socket broke (the server died or closed): worth a retry.
                throw Error(Error::Kind::broken,
                            "TLS handshake failed: " +
                                std::string(err == SSL_ERROR_SYSCALL && errno != 0
                                                ? std::strerror(errno)
                                                : "the server closed the connection"));
            }
            throw Error(Error::Kind::refused, "TLS handshake failed (" + why +
                                                  "); is the server serving TLS on this port?");
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) {
            // Nothing answered the TLS hello: a plaintext server waiting for the rest of a
            // command, or a busy TLS one (so it is retried within SR_CONN_TIMEOUT).
            throw Error(Error::Kind::broken,
                        "no TLS answer to the handshake; is the server serving TLS on this port?");
        }
        pollfd p{fd_, events, 0};
        if (::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX))) < 0 &&
            errno != EINTR)
            throw Error(Error::Kind::broken, std::string("poll failed: ") + std::strerror(errno));
    }
}

long Stream::result(int r, Want& want, const char* op) {
    if (r > 0) return r;
    switch (SSL_get_error(ssl_, r)) {
        case SSL_ERROR_WANT_READ:
            want = Want::read;
            return -1;
        case SSL_ERROR_WANT_WRITE:
            want = Want::write;
            return -1;
        case SSL_ERROR_ZERO_RETURN:
            return 0;
        case SSL_ERROR_SYSCALL: {
            std::string why = openssl_errors();
            if (why.empty()) why = errno != 0 ? std::strerror(errno) : "connection closed";
            throw Error(Error::Kind::broken, std::string("TLS ") + op + " failed: " + why);
        }
        default:
            throw Error(Error::Kind::broken,
                        std::string("TLS ") + op + " failed: " + openssl_errors());
    }
}

long Stream::read(void* dst, std::size_t n, Want& want) {
    ERR_clear_error();
    errno = 0;
    return result(SSL_read(ssl_, dst, static_cast<int>(std::min<std::size_t>(n, INT_MAX))), want,
                  "read");
}

long Stream::write(const void* src, std::size_t n, Want& want) {
    ERR_clear_error();
    errno = 0;
    return result(SSL_write(ssl_, src, static_cast<int>(std::min<std::size_t>(n, INT_MAX))), want,
                  "write");
}

}  // namespace insitu::tls
