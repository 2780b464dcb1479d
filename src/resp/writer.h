// RESP command encoder. Small arguments are copied into one header buffer; large ones are
// referenced in place, so a tensor goes from the caller's memory to writev() without a copy.
// The referenced memory must stay valid until the iovecs have been written.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace insitu::resp {

class CommandWriter {
  public:
    static constexpr std::size_t k_inline_limit = 4096;

    CommandWriter() = default;
    explicit CommandWriter(std::size_t nargs) { begin(nargs); }

    void begin(std::size_t nargs);
    void add(std::string_view arg);
    // An argument made of several pieces sent back to back (e.g. a gathered tensor).
    void add_pieces(const std::vector<std::string_view>& pieces);
    void add_number(long long v);

    // Appends this command's iovecs to `out` (pointers stay valid until the writer changes).
    void iovecs(std::vector<iovec>& out) const;
    std::size_t total_bytes() const { return total_; }
    std::size_t arg_count() const { return added_; }
    // The first argument (the command's name) when it is held inline, else "".
    std::string_view command_name() const;
    // Flat copy of the whole command (tests and small commands).
    std::string flatten() const;

  private:
    struct Segment {
        bool inline_data;  // true: [offset, offset+len) of buf_; false: external pointer
        std::size_t offset;
        const char* ptr;
        std::size_t len;
    };
    void append_inline(std::string_view s);
    void append_external(std::string_view s);
    void append_length(char type, std::size_t n);  // "*<n>\r\n" or "$<n>\r\n"
    void add_argument(std::span<const std::string_view> pieces);

    std::string buf_;
    std::vector<Segment> segs_;
    std::size_t total_ = 0;
    std::size_t added_ = 0;
};

// Encodes a whole command into one string (convenience for small commands).
std::string encode_command(const std::vector<std::string_view>& args);

}  // namespace insitu::resp
