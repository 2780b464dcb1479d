// SmartRedis's logging API for Python over insitu's C++ one (include/insitu/logging.h): the
// SRLoggingLevel values (LLQuiet ... LLDeveloper) and the free log functions, so Python lines
// share the format, the SR_LOG_FILE / SR_LOG_LEVEL handling (read once per process, at the first
// line) and the errors of every other language in the process.
#include <insitu/logging.h>

#include "bindings.h"

namespace py = pybind11;

namespace insitu::python {

void bind_logging(py::module_& m) {
    py::enum_<LogLevel>(m, "SRLoggingLevel",
                        "Logging levels: a line is written when its level is at most "
                        "SR_LOG_LEVEL (QUIET writes nothing).")
        .value("LLQuiet", LogLevel::Quiet)
        .value("LLInfo", LogLevel::Info)
        .value("LLDebug", LogLevel::Debug)
        .value("LLDeveloper", LogLevel::Developer)
        .export_values();
    m.def("log_data", &insitu::log_data, py::arg("context"), py::arg("level"), py::arg("data"));
    m.def("log_warning", &insitu::log_warning, py::arg("context"), py::arg("level"),
          py::arg("data"));
    m.def("log_error", &insitu::log_error, py::arg("context"), py::arg("level"), py::arg("data"));
}

}  // namespace insitu::python
