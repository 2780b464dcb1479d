// SmartRedis's logging API for Python: the SRLoggingLevel values (LLQuiet ... LLDeveloper) and
// one function that writes a line through the C++ client's Logger, so Python lines have the same
// format, SR_LOG_FILE / SR_LOG_LEVEL handling and errors as the client's own.
#include "bindings.h"

#include <insitu/config_options.h>
#include <insitu/dataset.h>

#include <memory>
#include <string>

#include "client/logger.h"

namespace py = pybind11;

namespace insitu::python {

void write_log(const std::string& context, client::LogLevel level, const std::string& data,
               const std::string& prefix, const ConfigOptions* cfg) {
    // Read at each call (like a client reads them at construction), so a program that sets
    // SR_LOG_FILE before logging is honoured; the file is opened only when a line is written.
    std::unique_ptr<ConfigOptions> env;
    if (cfg == nullptr) {
        env = ConfigOptions::create_from_environment("");
        cfg = env.get();
    }
    const client::LogLevel configured =
        client::parse_log_level(cfg->get_string_option_or("SR_LOG_LEVEL", "INFO"));
    const client::Logger probe("", "", configured);  // no file: only asks enabled()
    if (!probe.enabled(level)) return;
    const client::Logger log(context, cfg->get_string_option_or("SR_LOG_FILE", ""), configured);
    log.log(level, prefix + data);
}

void bind_logging(py::module_& m) {
    py::enum_<client::LogLevel>(m, "SRLoggingLevel",
                                "Logging levels: a line is written when its level is at most "
                                "SR_LOG_LEVEL (QUIET writes nothing).")
        .value("LLQuiet", client::LogLevel::Quiet)
        .value("LLInfo", client::LogLevel::Info)
        .value("LLDebug", client::LogLevel::Debug)
        .value("LLDeveloper", client::LogLevel::Developer)
        .export_values();
    m.def(
        "_log",
        [](const std::string& context, client::LogLevel level, const std::string& data,
           const std::string& prefix,
           const ConfigOptions* cfg) { write_log(context, level, data, prefix, cfg); },
        py::arg("context"), py::arg("level"), py::arg("data"), py::arg("prefix") = "",
        py::arg("config") = nullptr);
}

}  // namespace insitu::python
