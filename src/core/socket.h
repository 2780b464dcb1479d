// The one place sockets are opened: a connect bounded by a deadline (TCP, every resolved address
// in turn, or a Unix socket) and a bind probe for free ports. Used by the client's connections and
// by the launcher's probes of the servers it starts.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "core/address.h"

namespace insitu::core {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, clamped to 0..INT_MAX (a poll() timeout).
int remaining_ms(Clock::time_point deadline);

// A failed connect: the message names the address and the reason ("cannot connect to
// 127.0.0.1:6379: Connection refused", "cannot resolve ...").
class ConnectError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A connected, non-blocking, close-on-exec socket (TCP_NODELAY for TCP); the caller owns it.
// Throws ConnectError when no connection was made before `deadline`.
int connect_socket(const Address& address, Clock::time_point deadline);

// Whether a TCP socket can bind host:port now (host: an IPv4 address; anything else binds all
// interfaces). With `reuse_addr` the probe sets SO_REUSEADDR as redis-server does, so a port held
// only by TIME_WAIT leftovers counts as free.
bool port_bindable(const std::string& host, int port, bool reuse_addr);

}  // namespace insitu::core
