#include "resp/parser.h"

#include <charconv>

namespace insitu::resp {
namespace {

long long parse_number(std::string_view s) {
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
        throw ProtocolError("invalid number in RESP header: '" + std::string(s.substr(0, 32)) +
                            "'");
    return v;
}

}  // namespace

std::optional<Header> parse_header(std::string_view buf) {
    auto nl = buf.find("\r\n");
    if (nl == std::string_view::npos) {
        if (buf.size() > k_max_line) throw ProtocolError("RESP header line too long");
        return std::nullopt;
    }
    if (nl == 0) throw ProtocolError("empty RESP header");
    Header h;
    h.kind = buf[0];
    h.line = buf.substr(1, nl - 1);
    h.size = nl + 2;
    switch (h.kind) {
        case '$':
        case '*':
        case '%':
        case '~':
        case '=':
        case '!':
        case '>':
            h.value = parse_number(h.line);
            if (h.value < -1) throw ProtocolError("negative RESP length");
            if ((h.kind == '$' || h.kind == '=' || h.kind == '!') && h.value > k_max_bulk)
                throw ProtocolError("RESP bulk length too large");
            if (h.kind != '$' && h.kind != '=' && h.kind != '!' && h.value > k_max_elements)
                throw ProtocolError("RESP aggregate too large");
            break;
        case ':':
            h.value = parse_number(h.line);
            break;
        case '#':
            if (h.line != "t" && h.line != "f") throw ProtocolError("invalid RESP boolean");
            h.value = h.line == "t";
            break;
        case '+':
        case '-':
        case ',':
        case '(':
        case '_':
            break;
        default:
            throw ProtocolError(std::string("unknown RESP type byte 0x") +
                                "0123456789abcdef"[(static_cast<unsigned char>(h.kind) >> 4)] +
                                "0123456789abcdef"[static_cast<unsigned char>(h.kind) & 15]);
    }
    return h;
}

// Appends a finished value to the innermost open aggregate; returns true when a top-level
// reply is complete (stored in `done`).
bool Parser::push_value(Reply&& r, std::optional<Reply>& done) {
    while (true) {
        if (stack_.empty()) {
            done = std::move(r);
            return true;
        }
        Frame& f = stack_.back();
        f.reply.elements.push_back(std::move(r));
        if (--f.remaining > 0) return false;
        r = std::move(f.reply);
        stack_.pop_back();
    }
}

void Parser::compact() {
    if (pos_ > 0 && (pos_ == buf_.size() || pos_ > (1u << 16))) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
}

std::optional<Reply> Parser::next() {
    std::optional<Reply> done;
    while (!done) {
        std::string_view rest(buf_.data() + pos_, buf_.size() - pos_);
        auto h = parse_header(rest);
        if (!h) break;
        Reply r;
        std::size_t consumed = h->size;
        switch (h->kind) {
            case '$':
            case '=':
            case '!':
                if (h->value < 0) {
                    r.type = Reply::Type::nil;
                } else {
                    auto len = static_cast<std::size_t>(h->value);
                    if (rest.size() < h->size + len + 2) goto need_more;
                    if (rest[h->size + len] != '\r' || rest[h->size + len + 1] != '\n')
                        throw ProtocolError("RESP bulk string not terminated by CRLF");
                    r.type = h->kind == '!' ? Reply::Type::error : Reply::Type::bulk;
                    r.str.assign(rest.data() + h->size, len);
                    consumed += len + 2;
                }
                break;
            case '*':
            case '%':
            case '~':
            case '>':
                if (h->value < 0) {
                    r.type = Reply::Type::nil;
                    break;
                }
                r.type = h->kind == '%'   ? Reply::Type::map
                         : h->kind == '~' ? Reply::Type::set
                                          : Reply::Type::array;
                if (h->value > 0) {
                    if (stack_.size() >= k_max_depth) throw ProtocolError("RESP nesting too deep");
                    long long n = h->kind == '%' ? h->value * 2 : h->value;
                    r.elements.reserve(static_cast<std::size_t>(std::min<long long>(n, 1024)));
                    pos_ += consumed;
                    stack_.push_back({std::move(r), n});
                    continue;
                }
                break;
            case ':':
                r.type = Reply::Type::integer;
                r.integer = h->value;
                break;
            case '#':
                r.type = Reply::Type::boolean;
                r.integer = h->value;
                break;
            case '+':
                r.type = Reply::Type::status;
                r.str = std::string(h->line);
                break;
            case '-':
                r.type = Reply::Type::error;
                r.str = std::string(h->line);
                break;
            case ',':
                r.type = Reply::Type::dbl;
                r.str = std::string(h->line);
                break;
            case '(':
                r.type = Reply::Type::big_number;
                r.str = std::string(h->line);
                break;
            case '_':
                r.type = Reply::Type::nil;
                break;
        }
        pos_ += consumed;
        push_value(std::move(r), done);
    }
need_more:
    compact();
    return done;
}

}  // namespace insitu::resp

namespace insitu {

std::string to_display(const Reply& r, int indent) {
    std::string pad(static_cast<std::size_t>(indent), ' ');
    switch (r.type) {
        case Reply::Type::bulk:
            return "\"" + r.str + "\"";
        case Reply::Type::status:
            return r.str;
        case Reply::Type::error:
            return "(error) " + r.str;
        case Reply::Type::integer:
            return "(integer) " + std::to_string(r.integer);
        case Reply::Type::boolean:
            return r.integer ? "(true)" : "(false)";
        case Reply::Type::nil:
            return "(nil)";
        case Reply::Type::dbl:
            return "(double) " + r.str;
        case Reply::Type::big_number:
            return "(big number) " + r.str;
        default:
            break;
    }
    if (r.elements.empty()) return "(empty array)";
    std::string out;
    for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (i) out += "\n" + pad;
        std::string num = std::to_string(i + 1) + ") ";
        out += num + to_display(r.elements[i], indent + static_cast<int>(num.size()));
    }
    return out;
}

}  // namespace insitu
