// The pieces of the _insitu extension module, one function per bound class.
#pragma once

#include <pybind11/pybind11.h>

namespace insitu::python {

void bind_config_options(pybind11::module_& m);
void bind_client(pybind11::module_& m);

}  // namespace insitu::python
