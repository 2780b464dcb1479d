// Option parsing of the user-facing sub-commands (demo, db, info, validate, version) with CLI11:
// each command file adds its sub-command to `insitu` and returns what runs it; main() parses once
// and reports errors and --help the same way for all of them.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace insitu::cli {

// Runs a parsed sub-command; returns the process exit code.
using Runner = std::function<int()>;

// `insitu <name>`. A repeated option keeps its last value, as the hand-written parsers did.
CLI::App* add_command(CLI::App& insitu, const std::string& name, const std::string& description);

// A decimal integer in [lo, hi]: "12x", "0x10" and "" are errors naming the option, and "010" is
// ten (CLI11's own conversion would read it as octal).
CLI::Validator decimal(long lo, long hi);

// --port P (or `names`), 0 to 65535.
CLI::Option* add_port(CLI::App& command, int& port, const std::string& description,
                      const std::string& names = "--port");

// The usage error of a failed parse on stderr; returns the exit code: 2 when the command itself is
// missing or unknown, 1 for a command's bad option (what these errors have always returned), 0
// after --help (printed on stdout).
int report_parse_error(const CLI::App& insitu, const CLI::ParseError& e);

}  // namespace insitu::cli
