// Incremental RESP parser with no I/O: bytes go in with feed(), whole replies come out of next().
// Input may be split anywhere. Malformed input throws ProtocolError; the parser is then unusable.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <insitu/reply.h>

namespace insitu::resp {

using insitu::Reply;

struct ProtocolError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One RESP header line ("*3", "$5", ":1", "+OK", "-ERR x", ...).
struct Header {
    char kind = 0;          // the type byte
    long long value = 0;    // length for $ * % ~ = !, number for : and #
    std::string_view line;  // the text after the type byte, for + - , ( and friends
    std::size_t size = 0;   // bytes consumed including CRLF
};

// Parses a header at the front of `buf`. Returns nullopt when more bytes are needed.
// Throws ProtocolError for an unknown type byte, a bad number or an oversized line.
std::optional<Header> parse_header(std::string_view buf);

// Upper bounds the parser accepts; anything larger is a protocol error, not an allocation.
inline constexpr long long k_max_bulk = 1LL << 40;
inline constexpr long long k_max_elements = 1LL << 32;
inline constexpr std::size_t k_max_line = 64 * 1024;
inline constexpr std::size_t k_max_depth = 64;

class Parser {
  public:
    void feed(std::string_view bytes) { buf_.append(bytes); }
    std::optional<Reply> next();
    std::size_t buffered() const { return buf_.size() - pos_; }

  private:
    struct Frame {
        Reply reply;
        long long remaining;
    };
    bool push_value(Reply&& r, std::optional<Reply>& done);
    void compact();

    std::string buf_;
    std::size_t pos_ = 0;
    std::vector<Frame> stack_;
};

}  // namespace insitu::resp
