// libFuzzer target: the client's incremental RESP parser, fed the input in two arbitrary pieces.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "resp/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::size_t cut = data[0] % (in.size() + 1);
    insitu::resp::Parser p;
    try {
        p.feed(in.substr(0, cut));
        while (p.next()) {
        }
        p.feed(in.substr(cut));
        while (p.next()) {
        }
    } catch (const insitu::resp::ProtocolError&) {
    }
    return 0;
}
