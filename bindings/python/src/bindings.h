// The pieces of the _insitu extension module, one function per bound class.
#pragma once

#include <insitu/client.h>
#include <pybind11/pybind11.h>

#include <string>

namespace insitu::client {
enum class LogLevel;
}

namespace insitu::python {

void bind_config_options(pybind11::module_& m);
// SRLoggingLevel (LLQuiet ... LLDeveloper) and _log, SmartRedis's logging.
void bind_logging(pybind11::module_& m);
// One line through the C++ client's Logger, configured from `cfg` (the environment when null).
void write_log(const std::string& context, client::LogLevel level, const std::string& data,
               const std::string& prefix, const ConfigOptions* cfg);
void bind_dataset(pybind11::module_& m);
void bind_client(pybind11::module_& m);
// The driver API: Experiment, RunSettings, Model, Ensemble, Orchestrator.
void bind_experiment(pybind11::module_& m);
// Datasets, lists, models and scripts on the Client class made by bind_client.
void bind_client_data(pybind11::class_<Client>& c);

}  // namespace insitu::python
