// The _insitu extension module; the public package is insitu (bindings/python/insitu), which
// adds the SmartRedis-style constructor and list-taking admin calls in Python.
#include <insitu/version.h>

#include "bindings.h"
#include "errors.h"

PYBIND11_MODULE(_insitu, m) {
    m.doc() = "insitu client (C++ core)";
    m.attr("__version__") = INSITU_VERSION_STRING;
    insitu::python::register_errors(m);
    insitu::python::bind_config_options(m);
    insitu::python::bind_logging(m);  // before Dataset, whose log methods take SRLoggingLevel
    insitu::python::bind_dataset(m);  // before Client, whose calls take and return datasets
    insitu::python::bind_client(m);
    insitu::python::bind_pipeline(m);
#ifdef INSITU_PYTHON_HAVE_LAUNCH
    insitu::python::bind_experiment(m);
#endif
}
