#include "engine/model_args.h"

#include <string>

#include "core/text.h"
#include "engine/errors.h"

namespace insitu::engine {
namespace {

[[noreturn]] void fail(const std::string& m) {
    throw CommandError(m);
}

bool is(std::string_view a, std::string_view b) {
    return core::iequals(a, b);
}

std::int64_t parse_batch_value(std::string_view v, const char* what) {
    auto n = core::parse_ll(v);
    if (!n || *n < 0) fail(std::string("ERR Invalid argument for ") + what);
    return *n;
}

// Shared head of MODELSTORE / MODELSET: key backend device [TAG t] [BATCHSIZE ...].
std::size_t parse_store_head(std::span<const std::string_view> args, ModelDef& d) {
    auto b = parse_backend(args[1]);
    if (!b) fail("ERR unsupported backend");
    d.backend = *b;
    if (!valid_device(args[2])) fail("ERR Invalid DEVICE");
    d.device = std::string(args[2]);
    std::size_t i = 3;
    if (i < args.size() && is(args[i], "TAG")) {
        if (i + 1 >= args.size()) fail("ERR Insufficient arguments, missing model BLOB");
        d.tag = std::string(args[i + 1]);
        i += 2;
    }
    if (i < args.size() && is(args[i], "BATCHSIZE")) {
        if (d.backend == Backend::TFLITE)
            fail("ERR Auto-batching not supported by the TFLITE backend");
        if (i + 1 >= args.size()) fail("ERR Invalid argument for BATCHSIZE");
        d.batch.batchsize = parse_batch_value(args[i + 1], "BATCHSIZE");
        i += 2;
    }
    if (i < args.size() && is(args[i], "MINBATCHSIZE")) {
        if (d.batch.batchsize == 0) fail("ERR MINBATCHSIZE specified without BATCHSIZE");
        if (i + 1 >= args.size()) fail("ERR Invalid argument for MINBATCHSIZE");
        d.batch.minbatchsize = parse_batch_value(args[i + 1], "MINBATCHSIZE");
        i += 2;
    }
    if (i < args.size() && is(args[i], "MINBATCHTIMEOUT")) {
        if (d.batch.batchsize == 0) fail("ERR MINBATCHTIMEOUT specified without BATCHSIZE");
        if (d.batch.minbatchsize == 0) fail("ERR MINBATCHTIMEOUT specified without MINBATCHSIZE");
        if (i + 1 >= args.size()) fail("ERR Invalid argument for MINBATCHTIMEOUT");
        d.batch.minbatchtimeout = parse_batch_value(args[i + 1], "MINBATCHTIMEOUT");
        i += 2;
    }
    if (i >= args.size()) fail("ERR Insufficient arguments, missing model BLOB");
    return i;
}

std::size_t parse_blob(std::span<const std::string_view> args, std::size_t i, ModelStoreArgs& out) {
    if (i >= args.size()) fail("ERR Insufficient arguments, missing model BLOB");
    if (!is(args[i], "BLOB")) fail("ERR Invalid argument, expected BLOB");
    if (i + 1 >= args.size()) fail("ERR Insufficient arguments, missing model BLOB");
    out.blob_chunks.assign(args.begin() + static_cast<std::ptrdiff_t>(i + 1), args.end());
    return args.size();
}

// INPUTS n name... / OUTPUTS n name... with counts (MODELSTORE).
std::size_t parse_names(std::span<const std::string_view> args, std::size_t i, const char* what,
                        const char* count_name, std::vector<std::string>& names) {
    if (i + 1 >= args.size()) fail(std::string("ERR Invalid argument for ") + count_name);
    auto n = core::parse_ll(args[i + 1]);
    if (!n || *n <= 0) fail(std::string("ERR Invalid argument for ") + count_name);
    std::size_t first = i + 2;
    if (first + static_cast<std::size_t>(*n) > args.size())
        fail(std::string("ERR number of ") + what +
             " names does not match the number of given arguments");
    for (std::size_t k = first; k < first + static_cast<std::size_t>(*n); ++k)
        names.emplace_back(args[k]);
    return first + static_cast<std::size_t>(*n);
}

std::size_t parse_count(std::string_view v, const char* bad, const char* non_positive) {
    auto n = core::parse_ll(v);
    if (!n) fail(bad);
    if (*n <= 0) fail(non_positive);
    return static_cast<std::size_t>(*n);
}

}  // namespace

bool valid_device(std::string_view d) {
    if (d.size() >= 10 || d.size() < 3) return false;
    if (!is(d.substr(0, 3), "CPU") && !is(d.substr(0, 3), "GPU")) return false;
    if (d.size() == 3) return true;
    if (d[3] != ':' || d.size() == 4) return false;
    for (char c : d.substr(4))
        if (c < '0' || c > '9') return false;
    return true;
}

std::int64_t parse_timeout(std::string_view v) {
    auto n = core::parse_ll(v);
    if (!n || *n <= 0) fail("ERR Invalid value for TIMEOUT");
    return *n;
}

ModelStoreArgs parse_modelstore(std::span<const std::string_view> args) {
    if (args.size() < 5) fail("ERR wrong number of arguments for 'AI.MODELSTORE' command");
    ModelStoreArgs out;
    ModelDef& d = out.def;
    std::size_t i = parse_store_head(args, d);
    bool tf = d.backend == Backend::TF;
    if (is(args[i], "INPUTS")) {
        if (!tf) fail("ERR INPUTS argument should not be specified for this backend");
        i = parse_names(args, i, "input", "input_count", d.inputs);
    } else if (tf) {
        fail("ERR INPUTS not specified for TF");
    }
    if (i < args.size() && is(args[i], "OUTPUTS")) {
        if (!tf) fail("ERR OUTPUTS argument should not be specified for this backend");
        i = parse_names(args, i, "output", "output_count", d.outputs);
    } else if (tf) {
        fail("ERR OUTPUTS not specified for TF");
    }
    parse_blob(args, i, out);
    return out;
}

ModelStoreArgs parse_modelset(std::span<const std::string_view> args) {
    if (args.size() < 3) fail("ERR wrong number of arguments for 'AI.MODELSET' command");
    ModelStoreArgs out;
    ModelDef& d = out.def;
    std::size_t i = parse_store_head(args, d);
    bool tf = d.backend == Backend::TF;
    // Everything up to BLOB is the INPUTS/OUTPUTS section (TF only).
    std::size_t blob = i;
    while (blob < args.size() && !is(args[blob], "BLOB")) ++blob;
    if (blob < args.size()) {
        if (tf && blob == i) fail("ERR Insufficient arguments, INPUTS and OUTPUTS not specified");
        if (tf) {
            if (!is(args[i], "INPUTS")) fail("ERR INPUTS not specified");
            std::size_t k = i + 1;
            for (; k < blob && !is(args[k], "OUTPUTS"); ++k) d.inputs.emplace_back(args[k]);
            if (k >= blob) fail("ERR OUTPUTS not specified");
            for (++k; k < blob; ++k) d.outputs.emplace_back(args[k]);
        }
    }
    if (blob >= args.size() || blob + 1 >= args.size())
        fail("ERR Insufficient arguments, missing model BLOB");
    out.blob_chunks.assign(args.begin() + static_cast<std::ptrdiff_t>(blob + 1), args.end());
    return out;
}

ModelGetArgs parse_modelget(std::span<const std::string_view> args) {
    bool meta = false, blob = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (is(args[i], "META"))
            meta = true;
        else if (is(args[i], "BLOB"))
            blob = true;
        else
            fail("ERR unsupported data format");
    }
    if (!meta && !blob) return {true, true};
    return {meta, blob};
}

RunArgs parse_modelexecute(std::span<const std::string_view> args, int model_inputs,
                           int model_outputs) {
    if (args.size() < 7) fail("ERR wrong number of arguments for 'AI.MODELEXECUTE' command");
    RunArgs r;
    std::size_t i = 1;
    if (!is(args[i++], "INPUTS")) fail("ERR INPUTS not specified");
    std::size_t nin = parse_count(args[i++], "ERR Invalid argument for input_count",
                                  "ERR Input count must be a positive integer");
    if (model_inputs >= 0 && static_cast<std::size_t>(model_inputs) != nin)
        fail("Number of keys given as INPUTS here does not match model definition");
    if (i + nin > args.size())
        fail(
            "ERR number of input keys to AI.MODELEXECUTE command does not match the number of "
            "given arguments");
    for (std::size_t k = 0; k < nin; ++k) r.inputs.push_back(args[i++]);
    if (i >= args.size() || !is(args[i++], "OUTPUTS")) fail("ERR OUTPUTS not specified");
    if (i >= args.size()) fail("ERR Invalid argument for output_count");
    std::size_t nout = parse_count(args[i++], "ERR Invalid argument for output_count",
                                   "ERR Output count must be a positive integer");
    if (model_outputs >= 0 && static_cast<std::size_t>(model_outputs) != nout)
        fail("Number of keys given as OUTPUTS here does not match model definition");
    if (i + nout > args.size())
        fail(
            "ERR number of output keys to AI.MODELEXECUTE command does not match the number of "
            "given arguments");
    for (std::size_t k = 0; k < nout; ++k) r.outputs.push_back(args[i++]);
    if (i == args.size()) return r;
    if (!is(args[i], "TIMEOUT")) fail("Invalid argument: " + std::string(args[i]));
    if (++i == args.size()) fail("ERR No value provided for TIMEOUT");
    r.timeout_ms = parse_timeout(args[i++]);
    if (i != args.size()) fail("Invalid argument: " + std::string(args[i]));
    return r;
}

RunArgs parse_modelrun(std::span<const std::string_view> args, int model_inputs,
                       int model_outputs) {
    if (args.size() < 5) fail("ERR wrong number of arguments for 'AI.MODELRUN' command");
    RunArgs r;
    std::size_t i = 1;
    if (is(args[i], "TIMEOUT")) {
        if (i + 1 >= args.size()) fail("ERR No value provided for TIMEOUT");
        r.timeout_ms = parse_timeout(args[i + 1]);
        i += 2;
    }
    if (i >= args.size() || !is(args[i], "INPUTS")) fail("ERR INPUTS not specified");
    bool outputs = false;
    for (++i; i < args.size(); ++i) {
        if (!outputs && is(args[i], "OUTPUTS"))
            outputs = true;
        else
            (outputs ? r.outputs : r.inputs).push_back(args[i]);
    }
    if (model_inputs >= 0 && static_cast<std::size_t>(model_inputs) != r.inputs.size())
        fail("Number of keys given as INPUTS here does not match model definition");
    if (model_outputs >= 0 && static_cast<std::size_t>(model_outputs) != r.outputs.size())
        fail("Number of keys given as OUTPUTS here does not match model definition");
    if (r.inputs.empty()) fail("ERR INPUTS not specified");
    if (!outputs || r.outputs.empty()) fail("ERR OUTPUTS not specified");
    return r;
}

std::vector<KeyRef> modelexecute_keys(std::span<const std::string_view> args) {
    std::vector<KeyRef> keys;
    if (args.empty()) return keys;
    keys.push_back({0, KeyRole::object});
    std::size_t i = 1;
    for (const char* section : {"INPUTS", "OUTPUTS"}) {
        if (i + 1 >= args.size() || !is(args[i], section)) return keys;
        auto n = core::parse_ll(args[i + 1]);
        if (!n || *n <= 0) return keys;
        i += 2;
        KeyRole role = section[0] == 'I' ? KeyRole::input : KeyRole::output;
        for (long long k = 0; k < *n && i < args.size(); ++k) keys.push_back({i++, role});
    }
    return keys;
}

std::vector<KeyRef> modelrun_keys(std::span<const std::string_view> args) {
    std::vector<KeyRef> keys;
    if (args.empty()) return keys;
    keys.push_back({0, KeyRole::object});
    std::size_t i = 1;
    while (i < args.size() && !is(args[i], "INPUTS")) ++i;
    bool outputs = false;
    for (++i; i < args.size(); ++i) {
        if (!outputs && is(args[i], "OUTPUTS"))
            outputs = true;
        else
            keys.push_back({i, outputs ? KeyRole::output : KeyRole::input});
    }
    return keys;
}

std::vector<std::size_t> modelexecute_key_positions(std::span<const std::string_view> args) {
    return tensor_key_positions(modelexecute_keys(args));
}

std::vector<std::size_t> modelrun_key_positions(std::span<const std::string_view> args) {
    return tensor_key_positions(modelrun_keys(args));
}

std::vector<std::size_t> tensor_key_positions(const std::vector<KeyRef>& keys) {
    std::vector<std::size_t> out;
    for (const auto& k : keys)
        if (k.role != KeyRole::object) out.push_back(k.pos);
    return out;
}

}  // namespace insitu::engine
