#include "resp/writer.h"

#include <charconv>

namespace insitu::resp {

void CommandWriter::begin(std::size_t nargs) {
    buf_.clear();
    segs_.clear();
    // Room for a typical command's header and a tensor segment, so building one does not grow
    // the buffers argument by argument (a put_tensor is built per call).
    buf_.reserve(128);
    segs_.reserve(4);
    total_ = 0;
    added_ = 0;
    append_length('*', nargs);
}

void CommandWriter::append_length(char type, std::size_t n) {
    char line[24];
    line[0] = type;
    auto [end, ec] = std::to_chars(line + 1, line + sizeof line - 2, n);
    (void)ec;  // 20 digits at most fit
    *end++ = '\r';
    *end++ = '\n';
    append_inline(std::string_view(line, static_cast<std::size_t>(end - line)));
}

void CommandWriter::append_inline(std::string_view s) {
    if (!segs_.empty() && segs_.back().inline_data) {
        segs_.back().len += s.size();
    } else {
        segs_.push_back({true, buf_.size(), nullptr, s.size()});
    }
    buf_.append(s);
    total_ += s.size();
}

void CommandWriter::append_external(std::string_view s) {
    segs_.push_back({false, 0, s.data(), s.size()});
    total_ += s.size();
}

void CommandWriter::add(std::string_view arg) {
    add_argument({&arg, 1});
}

void CommandWriter::add_pieces(const std::vector<std::string_view>& pieces) {
    add_argument(pieces);
}

void CommandWriter::add_argument(std::span<const std::string_view> pieces) {
    std::size_t len = 0;
    for (auto p : pieces) len += p.size();
    append_length('$', len);
    for (auto p : pieces) {
        if (p.empty()) continue;
        if (p.size() < k_inline_limit)
            append_inline(p);
        else
            append_external(p);
    }
    append_inline("\r\n");
    ++added_;
}

std::string_view CommandWriter::command_name() const {
    // "*<n>\r\n$<len>\r\n<name>\r\n..." with the name in the first (inline) segment.
    if (added_ == 0 || segs_.empty() || !segs_[0].inline_data) return {};
    const std::string_view head(buf_.data(), segs_[0].len);
    const auto dollar = head.find("\r\n$");
    if (dollar == std::string_view::npos) return {};
    const auto eol = head.find("\r\n", dollar + 3);
    if (eol == std::string_view::npos) return {};
    std::size_t len = 0;
    const auto* first = head.data() + dollar + 3;
    auto [end, ec] = std::from_chars(first, head.data() + eol, len);
    if (ec != std::errc{} || end != head.data() + eol || eol + 2 + len > head.size()) return {};
    return head.substr(eol + 2, len);
}

void CommandWriter::add_number(long long v) {
    char num[32];
    auto [end, ec] = std::to_chars(num, num + sizeof num, v);
    (void)ec;
    add(std::string_view(num, static_cast<std::size_t>(end - num)));
}

void CommandWriter::iovecs(std::vector<iovec>& out) const {
    for (const auto& s : segs_) {
        const char* p = s.inline_data ? buf_.data() + s.offset : s.ptr;
        out.push_back({const_cast<char*>(p), s.len});
    }
}

std::string CommandWriter::flatten() const {
    std::string out;
    out.reserve(total_);
    for (const auto& s : segs_) out.append(s.inline_data ? buf_.data() + s.offset : s.ptr, s.len);
    return out;
}

std::string encode_command(const std::vector<std::string_view>& args) {
    CommandWriter w(args.size());
    for (auto a : args) w.add(a);
    return w.flatten();
}

}  // namespace insitu::resp
