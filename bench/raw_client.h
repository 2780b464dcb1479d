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
    // One command sent as head + data + tail (the caller encodes it); its reply is read whole,
    // and the bulk string following a "blob" field, when of out_len bytes, lands in `out`.
    void command(const std::string& head, const void* data, std::size_t len,
                 const std::string& tail, void* out, std::size_t out_len);

  private:
    void send_all(const std::string& head, const void* data, std::size_t len,
                  const std::string& tail);
    std::string read_line();
    void read_value(void* out, std::size_t out_len, bool& after_blob);
    void read_exact(void* dst, std::size_t n);

    int fd_ = -1;
    std::string buf_;
    std::size_t pos_ = 0;
};

}  // namespace insitu::bench
