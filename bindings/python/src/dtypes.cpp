#include "dtypes.h"

#include <insitu/errors.h>

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
    case TensorType::Double: return py::dtype::of<double>();
    case TensorType::Float: return py::dtype::of<float>();
    case TensorType::Float16: return py::dtype("float16");
    case TensorType::Int8: return py::dtype::of<std::int8_t>();
    case TensorType::Int16: return py::dtype::of<std::int16_t>();
    case TensorType::Int32: return py::dtype::of<std::int32_t>();
    case TensorType::Int64: return py::dtype::of<std::int64_t>();
    case TensorType::Uint8: return py::dtype::of<std::uint8_t>();
    case TensorType::Uint16: return py::dtype::of<std::uint16_t>();
    case TensorType::Uint32: return py::dtype::of<std::uint32_t>();
    case TensorType::Uint64: return py::dtype::of<std::uint64_t>();
    case TensorType::Bool: return py::dtype::of<bool>();
    default: break;
    }
    throw TypeException("tensor type " + std::string(wire_name(type)) +
                        " has no numpy equivalent");
}

}  // namespace insitu::python
