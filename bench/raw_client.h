// The benchmark's own minimal raw Redis path: SET and GET of a byte buffer over one blocking
// socket, sending from and receiving into caller memory. It is the reference "what the transport
// and Redis cost without insitu", so it is as lean as a client can be.
#pragma once

#include <string>

namespace insitu::bench {

class RawClient {
  public:
    // "host:port" or "unix:///path".
    explicit RawClient(const std::string& address);
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    void set(const std::string& key, const void* data, std::size_t len);
    // Reads the value into `out` (which must hold `len` bytes); throws if the length differs.
    void get(const std::string& key, void* out, std::size_t len);
    void ping();

  private:
    void send_all(const std::string& head, const void* data, std::size_t len,
                  const std::string& tail);
    std::string read_line();
    void read_exact(void* dst, std::size_t n);

    int fd_ = -1;
    std::string buf_;
    std::size_t pos_ = 0;
};

}  // namespace insitu::bench
