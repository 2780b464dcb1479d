// TLS on a connected, non-blocking socket, for the client's connections and the launcher's
// admin commands (rediss://). The server is verified against a CA file (the experiment's own CA
// the driver generates, or a site's) and, by default, its certificate must name the host or IP
// the client connected to. OpenSSL stays behind this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

struct ssl_st;
struct ssl_ctx_st;

namespace insitu::tls {

// A TLS failure: handshake refused, certificate not trusted, connection broken. The message
// names the reason ("certificate verify failed: unable to get local issuer certificate").
struct Error : std::runtime_error {
    // refused: the certificate or the protocol was not accepted (a retry cannot help);
    // broken: the connection failed, closed or timed out.
    enum class Kind { refused, broken };
    Error(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
    Kind kind;
};

struct ClientOptions {
    std::string ca_file;      // PEM CA bundle; "" = the system's CAs
    bool verify_host = true;  // the certificate must name the host/IP connected to
};

// One per client: the CA is read once, every connection shares it.
class ClientContext {
  public:
    // Throws Error naming the file when the CA cannot be read.
    explicit ClientContext(ClientOptions options);
    ~ClientContext();
    ClientContext(const ClientContext&) = delete;
    ClientContext& operator=(const ClientContext&) = delete;

    const ClientOptions& options() const { return options_; }
    ssl_ctx_st* native() const { return ctx_; }

  private:
    ClientOptions options_;
    ssl_ctx_st* ctx_;
};

// What a non-blocking operation waits for before it can go on.
enum class Want { read, write };

class Stream {
  public:
    // Does not own `fd`; the caller closes it after the Stream is gone.
    Stream(std::shared_ptr<const ClientContext> context, int fd);
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // Handshake and certificate checks for `host` (a name or an IP), polling until `deadline`.
    // Throws Error naming the reason (e.g. the certificate verification error).
    void handshake(const std::string& host, std::chrono::steady_clock::time_point deadline);

    // Bytes moved (> 0); 0 when the peer closed; -1 when it would block (`want` set).
    // Throws Error on a broken connection.
    long read(void* dst, std::size_t n, Want& want);
    long write(const void* src, std::size_t n, Want& want);

  private:
    long result(int r, Want& want, const char* op);

    std::shared_ptr<const ClientContext> context_;
    ssl_st* ssl_;
    int fd_;
};

}  // namespace insitu::tls
