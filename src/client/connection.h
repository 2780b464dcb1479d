// One blocking-with-timeout connection to one database node, over TCP or a Unix socket.
// Commands go out with sendmsg() straight from CommandWriter iovecs; replies are read either
// whole (read_reply) or piecewise (read_head / read_into / skip) so that a tensor blob can be
// received directly into the caller's memory.
#pragma once

#include <insitu/errors.h>
#include <insitu/reply.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "client/credentials.h"
#include "client/shm_transport.h"
#include "core/address.h"
#include "resp/writer.h"
#include "tls/tls_stream.h"

struct iovec;

namespace insitu::client {

// The connection failed or timed out; its state is unknown, so it must be closed. The router
// reconnects and resends (the only failures the peer retries).
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The server refused the client's credentials (WRONGPASS, NOAUTH) or an ACL forbids the command
// (NOPERM). A DatabaseException for callers; internally it is never retried, and no other node is
// tried instead, since every node of a database shares its users.
struct AuthError : DatabaseException {
    using DatabaseException::DatabaseException;
};

// A cluster redirection (-MOVED / -ASK) read from a reply.
struct Redirect {
    bool ask = false;
    int slot = 0;
    core::Address target;
};

// A reply meaning "retry later" on a healthy connection (-TRYAGAIN, -CLUSTERDOWN, -LOADING).
struct TransientError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws Redirect or TransientError when an error reply's text calls for it; returns otherwise.
void check_retryable_error(std::string_view error_text);

// One RESP header, with the line copied out of the read buffer.
struct Head {
    char kind = 0;
    long long value = 0;
    std::string line;
};

class Connection {
  public:
    // Connects within `connect_timeout` (non-blocking connect + poll) and, when `credentials`
    // are enabled, authenticates (AUTH is the first command sent; its +OK shows the server is
    // there); otherwise checks the server answers PING. Throws IoError naming the address when
    // the server cannot be reached, AuthError when it refuses the credentials.
    static std::unique_ptr<Connection> open(const core::Address& address,
                                            std::shared_ptr<const Credentials> credentials,
                                            std::chrono::milliseconds connect_timeout,
                                            int socket_timeout_ms);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const core::Address& address() const { return address_; }
    // AUTH was sent, and the server said it has no password set (the client's is not needed).
    bool password_not_needed() const { return password_not_needed_; }
    // The longest wait for the first byte of a reply, i.e. for the server to do its work (which
    // legitimately takes longer than a socket stall for big tensors or SAVE).
    void set_reply_timeout(int ms) { reply_timeout_ms_ = ms; }

    void send(const resp::CommandWriter& command);
    void send(const std::vector<std::string_view>& args);
    // Several commands in one gathered write (a pipeline; read their replies in order).
    void send(const std::vector<const resp::CommandWriter*>& commands);

    // A whole reply.
    Reply read_reply();
    // Sends `args` and reads the reply.
    Reply command(const std::vector<std::string_view>& args);

    // Piecewise reading. The caller must consume whole replies, or close the connection.
    Head read_head();
    // A bulk or simple string value (anything else is a protocol error).
    std::string read_string();
    void read_into(void* dst, std::size_t n);
    void skip(std::size_t n);
    void expect_crlf();

    // The shared-memory tensor path on this connection (client/shm_transport.h).
    ShmLink& shm() { return shm_; }
    const ShmPolicy& shm_policy() const { return shm_policy_; }
    void set_shm_policy(const ShmPolicy& p) { shm_policy_ = p; }

    // True while a command was sent and its reply not completely consumed.
    bool pending() const { return pending_; }
    void reply_done() { pending_ = false; }
    // A pipeline stopped with replies still unread: the router must drop this connection.
    void mark_out_of_step() { pending_ = true; }

  private:
    Connection(int fd, core::Address address, std::shared_ptr<const Credentials> credentials,
               int socket_timeout_ms);
    // AUTH (or PING without credentials): the first exchange of a new connection.
    void greet();
    void wait(short events);
    // One read into dst: bytes received (> 0), or waits until the socket is ready when none is
    // there yet and reads again. Throws IoError when the server closed or the socket broke.
    std::size_t receive(void* dst, std::size_t n);
    // Sends from the front of iov[0..count): bytes sent (> 0), after waiting if the socket was
    // full. Plain TCP: one sendmsg. TLS: one record's worth (small iovecs gathered into one).
    std::size_t send_some(iovec* iov, std::size_t count);
    // Sends all of `iov` (consumed).
    void send_iovecs(std::vector<iovec>& iov);
    std::size_t buffered() const { return wpos_ - rpos_; }
    void fill();
    Reply read_value(std::size_t depth);
    [[noreturn]] void fail(const std::string& what);
    // The server refused an argument over its proto-max-bulk-len: a clear, non-retried error.
    [[noreturn]] void fail_bulk_limit(std::string_view server_text);
    // WRONGPASS / NOAUTH / NOPERM: an AuthError naming the address, the user and the command.
    [[noreturn]] void fail_auth(std::string_view server_text);

    int fd_;
    std::unique_ptr<tls::Stream> tls_;  // null: plaintext
    std::vector<char> tls_out_;         // small arguments gathered for one TLS record
    core::Address address_;
    std::shared_ptr<const Credentials> credentials_;  // never null
    int io_timeout_ms_;  // SR_SOCKET_TIMEOUT: the longest stall while data is moving
    int reply_timeout_ms_;
    bool pending_ = false;
    bool awaiting_reply_ = false;  // sent, and no byte of the reply received yet
    std::vector<char> buf_;
    std::size_t rpos_ = 0, wpos_ = 0;
    std::size_t largest_arg_ = 0;  // of the last command sent (iovec sizes, an upper bound)
    std::string last_command_;     // its name, for NOPERM messages
    bool password_not_needed_ = false;
    ShmPolicy shm_policy_;
    ShmLink shm_;
};

}  // namespace insitu::client
