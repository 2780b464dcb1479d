#pragma once

#include <pybind11/pybind11.h>

namespace insitu::python {

// Exposes insitu.error's exception classes on the module and translates insitu::Exception.
void register_errors(pybind11::module_& m);

}  // namespace insitu::python
