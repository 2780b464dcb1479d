#include "engine/script_args.h"

#include <optional>
#include <string>

#include "core/text.h"
#include "engine/errors.h"
#include "engine/model_args.h"

namespace insitu::engine {
namespace {

[[noreturn]] void fail(const std::string& m) {
    throw CommandError(m);
}
bool is(std::string_view a, std::string_view b) {
    return core::iequals(a, b);
}

std::size_t parse_head(std::span<const std::string_view> args, ScriptDef& d) {
    if (!valid_device(args[1])) fail("ERR Invalid DEVICE");
    d.device = std::string(args[1]);
    std::size_t i = 2;
    if (i < args.size() && is(args[i], "TAG")) {
        if (i + 1 >= args.size()) fail("ERR Insufficient arguments, missing script SOURCE");
        d.tag = std::string(args[i + 1]);
        i += 2;
    }
    return i;
}

void parse_source(std::span<const std::string_view> args, std::size_t i, ScriptDef& d) {
    if (i >= args.size() || !is(args[i], "SOURCE") || i + 1 >= args.size())
        fail("ERR Insufficient arguments, missing script SOURCE");
    if (i + 2 != args.size()) fail("ERR Invalid arguments after script SOURCE");
    d.source = std::string(args[i + 1]);
}

const char* scope_name(int s) {
    static const char* names[] = {"KEYS", "INPUTS", "ARGS", "OUTPUTS"};
    return names[s];
}

}  // namespace

ScriptStoreArgs parse_scriptstore(std::span<const std::string_view> args) {
    if (args.size() < 3) fail("ERR wrong number of arguments for 'AI.SCRIPTSTORE' command");
    ScriptStoreArgs out;
    std::size_t i = parse_head(args, out.def);
    if (i >= args.size() || !is(args[i], "ENTRY_POINTS") || i + 1 >= args.size())
        fail("ERR Insufficient arguments, missing script entry points");
    auto n = core::parse_ll(args[i + 1]);
    if (!n || *n <= 0) fail("ERR Invalid argument for entry points count");
    i += 2;
    for (long long k = 0; k < *n; ++k, ++i) {
        if (i >= args.size() || is(args[i], "SOURCE"))
            fail("ERR number of entry points does not match the number of given arguments");
        out.def.entry_points.emplace_back(args[i]);
    }
    parse_source(args, i, out.def);
    return out;
}

ScriptStoreArgs parse_scriptset(std::span<const std::string_view> args) {
    if (args.size() < 3) fail("ERR wrong number of arguments for 'AI.SCRIPTSET' command");
    ScriptStoreArgs out;
    parse_source(args, parse_head(args, out.def), out.def);
    return out;
}

ScriptGetArgs parse_scriptget(std::span<const std::string_view> args) {
    bool meta = false, source = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (is(args[i], "META"))
            meta = true;
        else if (is(args[i], "SOURCE"))
            source = true;
        else
            fail("ERR unsupported data format");
    }
    if (!meta && !source) return {true, true};
    return {meta, source};
}

ScriptRunArgs parse_scriptexecute(std::span<const std::string_view> args, bool in_dag) {
    if (args.size() < 2) fail("ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command");
    ScriptRunArgs r;
    r.function = args[1];
    if (is(r.function, "KEYS") || is(r.function, "INPUTS") || is(r.function, "ARGS") ||
        is(r.function, "OUTPUTS") || is(r.function, "TIMEOUT"))
        fail("ERR function name not specified");
    bool seen[4] = {false, false, false, false};
    std::vector<std::string_view>* lists[4] = {&r.keys, &r.inputs, &r.args, &r.outputs};
    std::size_t i = 2;
    bool first = true;
    while (i < args.size()) {
        if (is(args[i], "TIMEOUT")) {
            if (first && !in_dag)
                fail(
                    "ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE "
                    "command");
            if (i + 1 >= args.size()) fail("ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE");
            r.timeout_ms = parse_timeout(args[i + 1]);
            if (i + 2 != args.size())
                fail("ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: " +
                     std::string(args[i + 2]));
            break;
        }
        int scope = -1;
        for (int s = 0; s < 4; ++s)
            if (is(args[i], scope_name(s))) scope = s;
        if (scope < 0)
            fail("ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: " +
                 std::string(args[i]));
        if (first && !in_dag && scope != 0 && scope != 1)
            fail("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command");
        first = false;
        if (seen[scope])
            fail(std::string("ERR Already Encountered ") + scope_name(scope) +
                 " scope in AI.SCRIPTEXECUTE command");
        seen[scope] = true;
        std::string lower = core::to_upper(scope_name(scope));
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (i + 1 >= args.size())
            fail("ERR Invalid argument for " + lower + " count in AI.SCRIPTEXECUTE");
        auto n = core::parse_ll(args[i + 1]);
        if (!n || *n < 0) fail("ERR Invalid argument for " + lower + " count in AI.SCRIPTEXECUTE");
        std::size_t from = i + 2;
        if (from + static_cast<std::size_t>(*n) > args.size())
            fail("ERR number of " + lower +
                 " to AI.SCRIPTEXECUTE command does not match the number of given arguments");
        for (std::size_t k = from; k < from + static_cast<std::size_t>(*n); ++k)
            lists[scope]->push_back(args[k]);
        i = from + static_cast<std::size_t>(*n);
    }
    if (first && !in_dag)
        fail("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command");
    return r;
}

ScriptRunArgs parse_scriptrun(std::span<const std::string_view> args) {
    if (args.size() < 3) fail("ERR wrong number of arguments for 'AI.SCRIPTRUN' command");
    ScriptRunArgs r;
    r.function = args[1];
    if (is(r.function, "TIMEOUT") || is(r.function, "INPUTS") || is(r.function, "OUTPUTS"))
        fail("ERR function name not specified");
    bool in = false, out = false, inputs_done = false, timeout_set = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (is(a, "TIMEOUT")) {
            if (timeout_set) fail("ERR Already encountered an TIMEOUT section in SCRIPTRUN");
            if (i + 1 >= args.size()) fail("ERR No value provided for TIMEOUT");
            r.timeout_ms = parse_timeout(args[++i]);
            timeout_set = true;
        } else if (is(a, "INPUTS")) {
            if (inputs_done) fail("ERR Already encountered an INPUTS section in SCRIPTRUN");
            if (in) fail("ERR Already encountered an INPUTS keyword in SCRIPTRUN");
            in = true;
            out = false;
        } else if (is(a, "OUTPUTS")) {
            if (out) fail("ERR Already encountered an OUTPUTS keyword in SCRIPTRUN");
            in = false;
            out = true;
            inputs_done = true;
        } else if (a == "$") {
            if (!in)
                fail("ERR Encountered a variable size list of tensors outside of input section");
            if (r.variadic_from >= 0)
                fail("ERR Already encountered a variable size list of tensors");
            r.variadic_from = static_cast<int>(r.inputs.size());
        } else if (in) {
            r.inputs.push_back(a);
        } else if (out) {
            r.outputs.push_back(a);
        } else {
            fail("ERR Unrecongnized parameter to SCRIPTRUN");
        }
    }
    return r;
}

std::vector<KeyRef> scriptexecute_keys(std::span<const std::string_view> args) {
    std::vector<KeyRef> keys;
    if (args.empty()) return keys;
    keys.push_back({0, KeyRole::object});
    std::size_t i = 2;
    while (i < args.size()) {
        std::optional<KeyRole> role;
        if (is(args[i], "KEYS"))
            role = KeyRole::keys;
        else if (is(args[i], "INPUTS"))
            role = KeyRole::input;
        else if (is(args[i], "OUTPUTS"))
            role = KeyRole::output;
        else if (!is(args[i], "ARGS"))
            break;
        if (i + 1 >= args.size()) break;
        auto n = core::parse_ll(args[i + 1]);
        if (!n || *n < 0) break;
        i += 2;
        for (long long k = 0; k < *n && i < args.size(); ++k, ++i)
            if (role) keys.push_back({i, *role});
    }
    return keys;
}

std::vector<KeyRef> scriptrun_keys(std::span<const std::string_view> args) {
    std::vector<KeyRef> keys;
    if (args.empty()) return keys;
    keys.push_back({0, KeyRole::object});
    std::optional<KeyRole> role;
    for (std::size_t i = 2; i < args.size(); ++i) {
        if (is(args[i], "TIMEOUT") && !role) {
            ++i;
        } else if (is(args[i], "INPUTS")) {
            role = KeyRole::input;
        } else if (is(args[i], "OUTPUTS")) {
            role = KeyRole::output;
        } else if (role && args[i] != "$") {
            keys.push_back({i, *role});
        }
    }
    return keys;
}

std::vector<std::size_t> scriptexecute_key_positions(std::span<const std::string_view> args) {
    return tensor_key_positions(scriptexecute_keys(args));
}

std::vector<std::size_t> scriptrun_key_positions(std::span<const std::string_view> args) {
    return tensor_key_positions(scriptrun_keys(args));
}

}  // namespace insitu::engine
