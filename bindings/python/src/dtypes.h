// numpy dtype <-> insitu::TensorType.
#pragma once

#include <insitu/tensor_types.h>
#include <pybind11/numpy.h>

namespace insitu::python {

// Throws insitu::TypeException naming the dtype when numpy's dtype has no tensor type.
TensorType tensor_type_of(const pybind11::dtype& dt);
pybind11::dtype dtype_of(TensorType type);

}  // namespace insitu::python
