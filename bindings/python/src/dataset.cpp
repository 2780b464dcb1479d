// insitu.Dataset: tensors (copied in from numpy, copied out into numpy-owned arrays) and typed
// metadata fields.
#include "bindings.h"

#include <insitu/dataset.h>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>

#include "dtypes.h"

namespace py = pybind11;

namespace insitu::python {
namespace {

// Metadata type for a numpy dtype (Python floats are float64, ints int64).
MetaDataType meta_type_of(const py::dtype& dt) {
    switch (dt.kind()) {
        case 'f':
            if (dt.itemsize() == 8) return MetaDataType::Double;
            if (dt.itemsize() == 4) return MetaDataType::Float;
            break;
        case 'i':
            if (dt.itemsize() == 4) return MetaDataType::Int32;
            if (dt.itemsize() == 8) return MetaDataType::Int64;
            break;
        case 'u':
            if (dt.itemsize() == 4) return MetaDataType::Uint32;
            if (dt.itemsize() == 8) return MetaDataType::Uint64;
            break;
        default:
            break;
    }
    throw TypeException("unsupported metadata dtype " +
                        py::str(py::handle(dt)).cast<std::string>() +
                        " (float32/64, int32/64, uint32/64 are)");
}

py::dtype meta_dtype_of(MetaDataType t) {
    switch (t) {
        case MetaDataType::Double:
            return py::dtype::of<double>();
        case MetaDataType::Float:
            return py::dtype::of<float>();
        case MetaDataType::Int32:
            return py::dtype::of<std::int32_t>();
        case MetaDataType::Int64:
            return py::dtype::of<std::int64_t>();
        case MetaDataType::Uint32:
            return py::dtype::of<std::uint32_t>();
        case MetaDataType::Uint64:
            return py::dtype::of<std::uint64_t>();
        default:
            break;
    }
    throw TypeException("metadata field is not numeric");
}

void add_tensor(DataSet& d, const std::string& name, const py::object& data,
                const py::object& dtype) {
    const bool bf16 = wants_bfloat16(dtype, "add_tensor");
    py::array a = bf16 ? to_bfloat16(data) : py::array::ensure(data);
    if (!a) throw ParameterException("add_tensor: data for '" + name + "' is not array-like");
    const TensorType type = bf16 ? TensorType::BFloat16 : tensor_type_of(a.dtype());
    if (!(a.flags() & py::array::c_style) && !(a.flags() & py::array::f_style))
        a = py::module_::import("numpy").attr("ascontiguousarray")(a);
    const MemoryLayout layout = (a.flags() & py::array::c_style) ? MemoryLayout::Contiguous
                                                                 : MemoryLayout::FortranContiguous;
    d.add_tensor(name, a.data(), std::vector<std::size_t>(a.shape(), a.shape() + a.ndim()), type,
                 layout);
}

py::array get_tensor(const DataSet& d, const std::string& name) {
    void* data = nullptr;
    std::vector<std::size_t> dims;
    TensorType type = TensorType::Invalid;
    d.get_tensor(name, data, dims, type, MemoryLayout::Contiguous);
    const bool bf16 = type == TensorType::BFloat16;
    py::array a(bf16 ? py::dtype::of<std::uint16_t>() : dtype_of(type),
                std::vector<py::ssize_t>(dims.begin(), dims.end()));
    std::memcpy(a.mutable_data(), data, static_cast<std::size_t>(a.nbytes()));
    return bf16 ? from_bfloat16(a) : a;
}

void add_meta_scalar(DataSet& d, const std::string& name, const py::object& value) {
    py::array a = py::array::ensure(value);
    if (!a || a.size() != 1)
        throw ParameterException("add_meta_scalar: '" + name + "' needs one numeric value");
    const MetaDataType type = meta_type_of(a.dtype());
    d.add_meta_scalar(name, a.data(), type);
}

py::array get_meta_scalars(const DataSet& d, const std::string& name) {
    void* data = nullptr;
    std::size_t n = 0;
    MetaDataType type = MetaDataType::Invalid;
    d.get_meta_scalars(name, data, n, type);
    py::array a(meta_dtype_of(type), std::vector<py::ssize_t>{static_cast<py::ssize_t>(n)});
    std::memcpy(a.mutable_data(), data, static_cast<std::size_t>(a.nbytes()));
    return a;
}

}  // namespace

void bind_dataset(py::module_& m) {
    py::class_<DataSet>(m, "Dataset", "Named tensors and metadata stored and fetched as one unit.")
        .def(py::init<const std::string&>(), py::arg("name"))
        .def("add_tensor", &add_tensor, py::arg("name"), py::arg("data"),
             py::arg("dtype") = py::none())
        .def("get_tensor", &get_tensor, py::arg("name"))
        .def("add_meta_scalar", &add_meta_scalar, py::arg("name"), py::arg("data"))
        .def("add_meta_string", &DataSet::add_meta_string, py::arg("name"), py::arg("data"))
        .def("get_meta_scalars", &get_meta_scalars, py::arg("name"))
        .def("get_meta_strings", &DataSet::get_meta_strings, py::arg("name"))
        .def("has_field", &DataSet::has_field, py::arg("field"))
        .def("clear_field", &DataSet::clear_field, py::arg("field"))
        .def("get_tensor_names", &DataSet::get_tensor_names)
        .def(
            "get_tensor_type",
            [](const DataSet& d, const std::string& name) -> py::object {
                const TensorType t = d.get_tensor_type(name);
                if (t == TensorType::BFloat16) return py::str("bfloat16");  // no numpy dtype
                return insitu::python::dtype_of(t);
            },
            py::arg("name"))
        .def("get_tensor_dims", &DataSet::get_tensor_dims, py::arg("name"))
        .def("get_metadata_field_names", &DataSet::get_metadata_field_names)
        .def(
            "get_metadata_field_type",
            [](const DataSet& d, const std::string& name) -> py::object {
                MetaDataType t = d.get_metadata_field_type(name);
                if (t == MetaDataType::String) return py::type::of(py::str());
                return meta_dtype_of(t);
            },
            py::arg("name"))
        .def("get_name", &DataSet::get_name)
        .def("set_name", &DataSet::set_name, py::arg("name"))
        .def_property_readonly("name", &DataSet::get_name)
        .def("__str__", &DataSet::to_string)
        .def("to_string", &DataSet::to_string)
        // SmartRedis's SRObject logging: lines tagged with the dataset's name.
        .def("log_data", &DataSet::log_data, py::arg("level"), py::arg("data"))
        .def("log_warning", &DataSet::log_warning, py::arg("level"), py::arg("data"))
        .def("log_error", &DataSet::log_error, py::arg("level"), py::arg("data"))
        // SmartRedis wraps a pybind object (PyDataset) in its Dataset; here they are one object,
        // so these accessors of the wrapped object are identities (set_data copies the contents).
        .def_static(
            "from_pybind",
            [](py::object d) {
                if (!py::isinstance<DataSet>(d))
                    throw py::type_error("from_pybind: expected a Dataset");
                return d;
            },
            py::arg("dataset"))
        .def("get_data", [](py::object self) { return self; })
        .def("get_srobject", [](py::object self) { return self; })
        .def(
            "set_data", [](DataSet& self, const DataSet& other) { self = other; },
            py::arg("dataset"))
        .def(
            "set_srobject", [](DataSet& self, const DataSet& other) { self = other; },
            py::arg("srobject"));
}

}  // namespace insitu::python
