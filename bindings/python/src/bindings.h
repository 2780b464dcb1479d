// The pieces of the _insitu extension module, one function per bound class.
#pragma once

#include <insitu/client.h>
#include <pybind11/pybind11.h>

namespace insitu::python {

void bind_config_options(pybind11::module_& m);
// SRLoggingLevel (LLQuiet ... LLDeveloper) and the free log functions, SmartRedis's logging.
void bind_logging(pybind11::module_& m);
void bind_dataset(pybind11::module_& m);
void bind_client(pybind11::module_& m);
// Pipeline and PipelineResult: queued tensor calls sent together (insitu::Pipeline).
void bind_pipeline(pybind11::module_& m);
// The driver API: Experiment, RunSettings, Model, Ensemble, Orchestrator.
void bind_experiment(pybind11::module_& m);
// Datasets, lists, models and scripts on the Client class made by bind_client.
void bind_client_data(pybind11::class_<Client>& c);

}  // namespace insitu::python
