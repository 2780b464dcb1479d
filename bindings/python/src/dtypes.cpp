#include "dtypes.h"

#include <insitu/errors.h>
#include <insitu/tensor_types.h>

#include <cstdint>
#include <string>

namespace py = pybind11;

namespace insitu::python {

TensorType tensor_type_of(const py::dtype& dt) {
    // Native byte order only: the database stores native (little-endian) values.
    if (dt.attr("isnative").cast<bool>()) {
        switch (dt.kind()) {
            case 'f':
                if (dt.itemsize() == 8) return TensorType::Double;
                if (dt.itemsize() == 4) return TensorType::Float;
                if (dt.itemsize() == 2) return TensorType::Float16;
                break;
            case 'i':
                if (dt.itemsize() == 1) return TensorType::Int8;
                if (dt.itemsize() == 2) return TensorType::Int16;
                if (dt.itemsize() == 4) return TensorType::Int32;
                if (dt.itemsize() == 8) return TensorType::Int64;
                break;
            case 'u':
                if (dt.itemsize() == 1) return TensorType::Uint8;
                if (dt.itemsize() == 2) return TensorType::Uint16;
                if (dt.itemsize() == 4) return TensorType::Uint32;
                if (dt.itemsize() == 8) return TensorType::Uint64;
                break;
            case 'b':
                return TensorType::Bool;
            default:
                break;
        }
    }
    throw TypeException("unsupported numpy dtype " + py::str(py::handle(dt)).cast<std::string>() +
                        " for a tensor (float16/32/64, int8-64, uint8-64 and bool are)");
}

py::dtype dtype_of(TensorType type) {
    switch (type) {
        case TensorType::Double:
            return py::dtype::of<double>();
        case TensorType::Float:
            return py::dtype::of<float>();
        case TensorType::Float16:
            return py::dtype("float16");
        case TensorType::Int8:
            return py::dtype::of<std::int8_t>();
        case TensorType::Int16:
            return py::dtype::of<std::int16_t>();
        case TensorType::Int32:
            return py::dtype::of<std::int32_t>();
        case TensorType::Int64:
            return py::dtype::of<std::int64_t>();
        case TensorType::Uint8:
            return py::dtype::of<std::uint8_t>();
        case TensorType::Uint16:
            return py::dtype::of<std::uint16_t>();
        case TensorType::Uint32:
            return py::dtype::of<std::uint32_t>();
        case TensorType::Uint64:
            return py::dtype::of<std::uint64_t>();
        case TensorType::Bool:
            return py::dtype::of<bool>();
        default:
            break;
    }
    throw TypeException("tensor type " + std::string(wire_name(type)) + " has no numpy equivalent");
}

bool wants_bfloat16(const py::object& dtype, const char* call) {
    if (dtype.is_none()) return false;
    if (py::isinstance<py::str>(dtype) && dtype.cast<std::string>() == "bfloat16") return true;
    throw ParameterException(std::string(call) + ": dtype must be None or \"bfloat16\", got " +
                             py::repr(dtype).cast<std::string>());
}

py::array to_bfloat16(const py::object& data) {
    auto np = py::module_::import("numpy");
    py::array f = np.attr("ascontiguousarray")(data, py::arg("dtype") = "float32");
    py::array out(py::dtype::of<std::uint16_t>(),
                  std::vector<py::ssize_t>(f.shape(), f.shape() + f.ndim()));
    const auto* in = static_cast<const float*>(f.data());
    auto* bits = static_cast<std::uint16_t*>(out.mutable_data());
    for (py::ssize_t i = 0; i < f.size(); ++i) bits[i] = float_to_bfloat16(in[i]);
    return out;
}

py::array from_bfloat16(const py::array& bits) {
    py::array out(py::dtype::of<float>(),
                  std::vector<py::ssize_t>(bits.shape(), bits.shape() + bits.ndim()));
    const auto* in = static_cast<const std::uint16_t*>(bits.data());
    auto* f = static_cast<float*>(out.mutable_data());
    for (py::ssize_t i = 0; i < bits.size(); ++i) f[i] = bfloat16_to_float(in[i]);
    return out;
}

}  // namespace insitu::python
