#include "cli/options.h"

#include <charconv>
#include <cstdio>

namespace insitu::cli {

CLI::App* add_command(CLI::App& insitu, const std::string& name, const std::string& description) {
    CLI::App* command = insitu.add_subcommand(name, description);
    command->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    return command;
}

CLI::Validator decimal(long lo, long hi) {
    std::string range = std::to_string(lo) + " to " + std::to_string(hi);
    return CLI::Validator(
        [lo, hi, range](std::string& text) -> std::string {
            long v = 0;
            const char* end = text.data() + text.size();
            auto [stop, ec] = std::from_chars(text.data(), end, v);
            if (ec != std::errc() || stop != end || v < lo || v > hi)
                return "'" + text + "' is not a whole number from " + range;
            text = std::to_string(v);
            return {};
        },
        "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

CLI::Option* add_port(CLI::App& command, int& port, const std::string& description,
                      const std::string& names) {
    return command.add_option(names, port, description)
        ->transform(decimal(0, 65535))
        ->capture_default_str();
}

int report_parse_error(const CLI::App& insitu, const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        // --help: CLI11 prints the help of the sub-command it was given to.
        return insitu.exit(e);
    }
    auto chosen = insitu.get_subcommands();
    std::string who = chosen.empty() ? "insitu" : "insitu " + chosen.front()->get_name();
    std::fprintf(stderr, "%s: error: %s\nRun '%s --help' for the options.\n", who.c_str(), e.what(),
                 who.c_str());
    return chosen.empty() ? 2 : 1;
}

}  // namespace insitu::cli
