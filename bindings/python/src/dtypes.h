// numpy dtype <-> insitu::TensorType.
#pragma once

#include <insitu/tensor_types.h>
#include <pybind11/numpy.h>

namespace insitu::python {

// Throws insitu::TypeException naming the dtype when numpy's dtype has no tensor type.
TensorType tensor_type_of(const pybind11::dtype& dt);
pybind11::dtype dtype_of(TensorType type);

// numpy has no bfloat16: BFLOAT16 tensors are read as float32 (exact) and written from any real
// array when the caller asks for dtype="bfloat16" (rounded to nearest even).
bool wants_bfloat16(const pybind11::object& dtype, const char* call);
// A C-order uint16 array of the bfloat16 values of `data` (converted through float32).
pybind11::array to_bfloat16(const pybind11::object& data);
// float32 values of a uint16 array holding bfloat16 bits (same shape).
pybind11::array from_bfloat16(const pybind11::array& bits);

}  // namespace insitu::python
