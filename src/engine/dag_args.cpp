#include "engine/dag_args.h"

#include <algorithm>
#include <set>
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

// LOAD n k... / PERSIST n k...; returns the index after the list.
std::size_t parse_key_list(std::span<const std::string_view> args, std::size_t i, const char* what,
                           const char* after, std::vector<std::string_view>& out) {
    if (args.size() - i < 3)
        fail(std::string("ERR missing arguments after ") + what + " keyword in DAG command");
    auto n = core::parse_ll(args[i + 1]);
    if (!n || *n <= 0)
        fail(std::string("ERR invalid or negative value found in number of keys to ") + what);
    std::size_t k = i + 2;
    for (long long c = 0; c < *n; ++c, ++k) {
        if (k >= args.size() || args[k] == "|>")
            fail(std::string("ERR number of keys to ") + what + after +
                 " does not match the number of given arguments");
        out.push_back(args[k]);
    }
    return k;
}

}  // namespace

DagArgs parse_dag(std::span<const std::string_view> args, DagFlavor flavor) {
    const char* name = flavor.legacy ? (flavor.read_only ? "AI.DAGRUN_RO" : "AI.DAGRUN")
                                     : (flavor.read_only ? "AI.DAGEXECUTE_RO" : "AI.DAGEXECUTE");
    if (flavor.legacy ? args.size() < 3 : args.size() < 5)
        fail(std::string(flavor.legacy ? "ERR wrong number of arguments for '"
                                       : "ERR missing arguments for '") +
             name + "' command");
    DagArgs d;
    d.ops.reserve(static_cast<std::size_t>(std::count(args.begin(), args.end(), "|>")));
    bool load = false, persist = false, routing = false, timeout = false;
    std::size_t i = 0;
    while (i < args.size()) {
        std::string_view a = args[i];
        bool prefix = d.ops.empty();
        if (prefix && !load && is(a, "LOAD")) {
            i = parse_key_list(args, i, "LOAD", " into DAG", d.load);
            load = true;
        } else if (prefix && !persist && is(a, "PERSIST")) {
            if (flavor.read_only) fail("ERR PERSIST cannot be specified in a read-only DAG");
            i = parse_key_list(args, i, "PERSIST", " after DAG execution", d.persist);
            std::set<std::string_view> uniq(d.persist.begin(), d.persist.end());
            if (uniq.size() != d.persist.size()) fail("ERR PERSIST keys must be unique");
            persist = true;
        } else if (prefix && !routing && !flavor.legacy && is(a, "ROUTING")) {
            if (i + 1 >= args.size()) fail("ERR Missing ROUTING value");
            d.routing = args[i + 1];
            i += 2;
            routing = true;
        } else if (prefix && !timeout && is(a, "TIMEOUT")) {
            if (i + 1 >= args.size()) fail("ERR No value provided for TIMEOUT");
            d.timeout_ms = parse_timeout(args[i + 1]);
            i += 2;
            timeout = true;
        } else if (a == "|>" && i + 1 < args.size()) {
            DagOpSpan op{DagOpKind::tensorget, i + 1, 0};
            std::size_t k = i + 1;
            while (k < args.size() && args[k] != "|>") ++k;
            op.count = k - op.first;
            d.ops.push_back(op);
            i = k;
        } else {
            fail("ERR Invalid DAG command. Unexpected argument:  " + std::string(a));
        }
    }
    if (!flavor.legacy && !load && !persist && !routing)
        fail(
            "ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of "
            "ROUTING, LOAD, PERSIST keywords");
    if (d.ops.empty()) fail("ERR DAG is empty");
    for (auto& op : d.ops) {
        std::string_view cmd = op.count ? args[op.first] : std::string_view{};
        if (is(cmd, "AI.TENSORSET")) {
            op.kind = DagOpKind::tensorset;
        } else if (is(cmd, "AI.TENSORGET")) {
            op.kind = DagOpKind::tensorget;
        } else if (is(cmd, "AI.MODELEXECUTE") && !flavor.legacy) {
            op.kind = DagOpKind::modelexecute;
        } else if (is(cmd, "AI.SCRIPTEXECUTE") && !flavor.legacy) {
            if (flavor.read_only)
                fail("ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG");
            op.kind = DagOpKind::scriptexecute;
        } else if (is(cmd, "AI.MODELRUN") || is(cmd, "AI.SCRIPTRUN")) {
            if (!flavor.legacy)
                fail("Deprecated " + core::to_upper(cmd) +
                     " cannot be used in AI.DAGEXECUTE command");
            if (is(cmd, "AI.SCRIPTRUN") && flavor.read_only)
                fail("ERR AI.SCRIPTRUN command cannot be specified in a read-only DAG");
            op.kind = is(cmd, "AI.MODELRUN") ? DagOpKind::modelrun : DagOpKind::scriptrun;
        } else {
            fail("Unsupported command within DAG");
        }
    }
    return d;
}

std::vector<KeyRef> dag_keys(std::span<const std::string_view> args) {
    std::vector<KeyRef> keys;
    std::size_t i = 0;
    while (i < args.size() && args[i] != "|>") {
        if ((is(args[i], "LOAD") || is(args[i], "PERSIST")) && i + 1 < args.size()) {
            KeyRole role = is(args[i], "LOAD") ? KeyRole::input : KeyRole::output;
            auto n = core::parse_ll(args[i + 1]);
            if (!n || *n <= 0) return keys;
            i += 2;
            for (long long c = 0; c < *n && i < args.size() && args[i] != "|>"; ++c)
                keys.push_back({i++, role});
        } else if (is(args[i], "ROUTING") && i + 1 < args.size()) {
            keys.push_back({i + 1, KeyRole::routing});
            i += 2;
        } else {
            ++i;
        }
    }
    // The model or script of each run op; the ops' tensor names are DAG-local, not keys.
    for (; i + 2 < args.size(); ++i) {
        if (args[i] != "|>" || args[i + 2] == "|>") continue;
        auto cmd = args[i + 1];
        if (is(cmd, "AI.MODELEXECUTE") || is(cmd, "AI.MODELRUN") || is(cmd, "AI.SCRIPTEXECUTE") ||
            is(cmd, "AI.SCRIPTRUN"))
            keys.push_back({i + 2, KeyRole::object});
    }
    return keys;
}

std::vector<std::size_t> dag_key_positions(std::span<const std::string_view> args) {
    return tensor_key_positions(dag_keys(args));
}

void validate_dag_names(const DagArgs& dag, const std::vector<DagOpNames>& ops) {
    std::set<std::string_view> known(dag.load.begin(), dag.load.end());
    for (const auto& op : ops) {
        for (auto in : op.inputs)
            if (!known.count(in)) fail("ERR INPUT key cannot be found in DAG");
        known.insert(op.outputs.begin(), op.outputs.end());
    }
    for (auto p : dag.persist)
        if (!known.count(p)) fail("ERR PERSIST key cannot be found in DAG");
}

}  // namespace insitu::engine
