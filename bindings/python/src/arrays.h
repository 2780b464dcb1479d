// numpy arrays as the client's tensors: shapes, memory order, arrays made for a tensor the
// database describes, and caller arrays read or filled in place (client.cpp, pipeline.cpp).
#pragma once

#include <insitu/client.h>
#include <pybind11/numpy.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dtypes.h"

namespace insitu::python {

inline std::vector<std::size_t> shape_of(const pybind11::array& a) {
    return std::vector<std::size_t>(a.shape(), a.shape() + a.ndim());
}

inline bool c_order(const pybind11::array& a) {
    return a.flags() & pybind11::array::c_style;
}
inline bool f_order(const pybind11::array& a) {
    return a.flags() & pybind11::array::f_style;
}

// A numpy array for a tensor the database describes; bfloat16 lands as uint16 bits first
// (numpy has no bfloat16), converted afterwards by from_bfloat16.
inline pybind11::array array_for(TensorType type, const std::vector<std::size_t>& dims) {
    return pybind11::array(
        type == TensorType::BFloat16 ? pybind11::dtype::of<std::uint16_t>() : dtype_of(type),
        std::vector<pybind11::ssize_t>(dims.begin(), dims.end()));
}

// An array-like as an input tensor sent from its own memory (C or Fortran order; anything else
// is copied to C order first); the array is kept alive in `keep` until the call returns.
inline InputTensor input_of(const pybind11::handle& h, const std::string& what,
                            std::vector<pybind11::array>& keep) {
    pybind11::array a = pybind11::array::ensure(h);
    if (!a) throw ParameterException(what + " is not array-like");
    if (!c_order(a) && !f_order(a))
        a = pybind11::module_::import("numpy").attr("ascontiguousarray")(a);
    InputTensor t{a.data(), shape_of(a), tensor_type_of(a.dtype()),
                  c_order(a) ? MemoryLayout::Contiguous : MemoryLayout::FortranContiguous};
    keep.push_back(std::move(a));
    return t;
}

// A caller's array filled in place: writeable and C- or Fortran-contiguous (`what` names it).
inline OutputTensor output_of(pybind11::array a, const std::string& what) {
    if (!a.writeable()) throw ParameterException(what + " is read-only");
    if (!c_order(a) && !f_order(a)) throw ParameterException(what + " must be contiguous");
    return {a.mutable_data(), shape_of(a), tensor_type_of(a.dtype()),
            c_order(a) ? MemoryLayout::Contiguous : MemoryLayout::FortranContiguous};
}

}  // namespace insitu::python
