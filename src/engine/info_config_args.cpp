#include "engine/info_config_args.h"

#include "core/text.h"
#include "engine/errors.h"

namespace insitu::engine {
namespace {
[[noreturn]] void fail(const char* m) {
    throw CommandError(m);
}
bool is(std::string_view a, std::string_view b) {
    return core::iequals(a, b);
}
}  // namespace

InfoArgs parse_info(std::span<const std::string_view> args) {
    if (args.empty() || args.size() > 2)
        fail("ERR wrong number of arguments for 'AI.INFO' command");
    InfoArgs a{args[0], false};
    if (args.size() == 2) {
        if (!is(args[1], "RESETSTAT")) fail("ERR unsupported subcommand");
        a.reset = true;
    }
    return a;
}

ConfigArgs parse_config(std::span<const std::string_view> args) {
    if (args.empty()) fail("ERR wrong number of arguments for 'AI.CONFIG' command");
    ConfigArgs c;
    std::string_view sub = args[0];
    if (is(sub, "BACKENDSPATH")) {
        if (args.size() < 2) fail("ERR BACKENDSPATH: missing path argument");
        c.kind = ConfigArgs::Kind::backends_path;
        c.value = args[1];
    } else if (is(sub, "LOADBACKEND")) {
        if (args.size() < 3) fail("ERR LOADBACKEND: missing arguments");
        auto b = parse_backend(args[1]);
        if (!b) fail("ERR unsupported backend");
        c.kind = ConfigArgs::Kind::load_backend;
        c.backend = *b;
        c.value = args[2];
    } else if (is(sub, "MODEL_CHUNK_SIZE")) {
        auto n = args.size() >= 2 ? core::parse_ll(args[1]) : std::nullopt;
        if (!n || *n <= 0) fail("ERR MODEL_CHUNK_SIZE: invalid chunk size");
        c.kind = ConfigArgs::Kind::chunk_size;
        c.chunk_size = *n;
    } else if (is(sub, "GET")) {
        if (args.size() < 2) fail("ERR wrong number of arguments for 'AI.CONFIG' command");
        c.kind = ConfigArgs::Kind::get;
        c.value = args[1];
    } else {
        fail("ERR unsupported subcommand");
    }
    return c;
}

}  // namespace insitu::engine
