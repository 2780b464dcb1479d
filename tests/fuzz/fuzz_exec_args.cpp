// libFuzzer target: every execution-command grammar of the module (MODEL*, SCRIPT*, DAG*, INFO,
// CONFIG) and their key-position functions. The first byte picks the parser and its flags; the
// rest is split at '\n' into arguments.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/dag_args.h"
#include "engine/errors.h"
#include "engine/info_config_args.h"
#include "engine/model_args.h"
#include "engine/script_args.h"

using namespace insitu::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t sel = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<std::string_view> v;
    while (true) {
        auto nl = in.find('\n');
        v.push_back(in.substr(0, nl));
        if (nl == std::string_view::npos) break;
        in.remove_prefix(nl + 1);
    }
    std::span<const std::string_view> args(v);
    const int declared = (sel >> 4) % 4 - 1;  // -1 (unknown) .. 2
    try {
        switch (sel % 13) {
            case 0:
                parse_modelstore(args);
                break;
            case 1:
                parse_modelset(args);
                break;
            case 2:
                parse_modelget(args);
                break;
            case 3:
                parse_modelexecute(args, declared, declared);
                break;
            case 4:
                parse_modelrun(args, declared, declared);
                break;
            case 5:
                parse_scriptstore(args);
                break;
            case 6:
                parse_scriptset(args);
                break;
            case 7:
                parse_scriptget(args);
                break;
            case 8:
                parse_scriptexecute(args, (sel & 0x80) != 0);
                break;
            case 9:
                parse_scriptrun(args);
                break;
            case 10: {
                auto d = parse_dag(args, DagFlavor{(sel & 0x40) != 0, (sel & 0x80) != 0});
                for (const auto& op : d.ops)
                    if (op.first + op.count > args.size()) __builtin_trap();
                break;
            }
            case 11:
                parse_info(args);
                break;
            case 12:
                parse_config(args);
                break;
        }
    } catch (const CommandError&) {
    }
    // Key positions never throw and never point past the arguments.
    for (auto positions : {modelexecute_key_positions(args), modelrun_key_positions(args),
                           scriptexecute_key_positions(args), scriptrun_key_positions(args),
                           dag_key_positions(args)})
        for (auto p : positions)
            if (p >= args.size()) __builtin_trap();
    return 0;
}
