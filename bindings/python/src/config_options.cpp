// insitu.ConfigOptions: the C++ ConfigOptions, created through its factories.
#include "bindings.h"

#include <insitu/config_options.h>

namespace py = pybind11;

namespace insitu::python {

void bind_config_options(py::module_& m) {
    py::class_<ConfigOptions>(m, "ConfigOptions",
                              "Client configuration: the environment (optionally with a "
                              "'_<suffix>'), or values set in code.")
        .def_static("create_from_environment", &ConfigOptions::create_from_environment,
                    py::arg("db_suffix") = "")
        .def_static("create_empty", &ConfigOptions::create_empty)
        .def("get_integer_option", &ConfigOptions::get_integer_option, py::arg("option_name"))
        .def("get_string_option", &ConfigOptions::get_string_option, py::arg("option_name"))
        .def("is_configured", &ConfigOptions::is_configured, py::arg("option_name"))
        .def("override_integer_option", &ConfigOptions::override_integer_option,
             py::arg("option_name"), py::arg("value"))
        .def("override_string_option", &ConfigOptions::override_string_option,
             py::arg("option_name"), py::arg("value"))
        .def_property_readonly("db_suffix", &ConfigOptions::db_suffix)
        // SmartRedis's accessors of its wrapped pybind object: here the object itself.
        .def_static(
            "from_pybind",
            [](py::object c) {
                if (!py::isinstance<ConfigOptions>(c))
                    throw py::type_error("from_pybind: expected a ConfigOptions");
                return c;
            },
            py::arg("configoptions"))
        .def("get_data", [](py::object self) { return self; })
        .def(
            "set_configoptions",
            [](ConfigOptions& self, const ConfigOptions& other) { self = other; },
            py::arg("configoptions"));
}

}  // namespace insitu::python
