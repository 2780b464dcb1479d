// libFuzzer target: the AI.TENSORSET / AI.TENSORGET grammar. Arguments are the input split at
// '\n' (a BLOB payload may contain anything else).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/errors.h"
#include "engine/tensor_args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> args;
    while (true) {
        auto nl = in.find('\n');
        args.push_back(in.substr(0, nl));
        if (nl == std::string_view::npos) break;
        in.remove_prefix(nl + 1);
    }
    insitu::engine::TensorLimits limits;
    limits.alloc_limit = 1 << 20;  // keep zero-filled tensors small under the fuzzer
    try {
        auto a = insitu::engine::parse_tensorset(args, limits);
        if (a.source == insitu::engine::TensorSetArgs::Source::blob) {
            insitu::engine::validate_blob(a, args[a.data_index]);
        } else {
            auto blob = insitu::engine::build_blob(a, args);
            if (a.dtype == insitu::TensorType::String)
                insitu::engine::split_strings(blob->bytes());
            else if (blob->size() != a.nbytes)
                __builtin_trap();
        }
    } catch (const insitu::engine::CommandError&) {
    }
    try {
        insitu::engine::parse_tensorget(args);
    } catch (const insitu::engine::CommandError&) {
    }
    return 0;
}
