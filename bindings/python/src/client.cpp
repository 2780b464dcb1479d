// _insitu.Client: the C++ client with numpy tensors. Network calls release the GIL; arrays are
// sent from their own memory when contiguous (C or Fortran order) and received into arrays numpy
// owns, so the client keeps no tensor memory.
#include "bindings.h"

#include <insitu/client.h>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "arrays.h"
#include "dtypes.h"

namespace py = pybind11;

namespace insitu::python {
namespace {

void put_tensor(Client& c, const std::string& name, const py::object& data,
                const py::object& dtype) {
    const bool bf16 = wants_bfloat16(dtype, "put_tensor");
    py::array a = bf16 ? to_bfloat16(data) : py::array::ensure(data);
    if (!a) throw ParameterException("put_tensor: data for '" + name + "' is not array-like");
    const TensorType type = bf16 ? TensorType::BFloat16 : tensor_type_of(a.dtype());
    // Only a non-contiguous view is copied (to C order); Fortran order is sent as such.
    if (!c_order(a) && !f_order(a)) a = py::module_::import("numpy").attr("ascontiguousarray")(a);
    const MemoryLayout layout =
        c_order(a) ? MemoryLayout::Contiguous : MemoryLayout::FortranContiguous;
    const std::vector<std::size_t> dims = shape_of(a);
    const void* ptr = a.data();
    py::gil_scoped_release nogil;  // `a` keeps the memory alive
    c.put_tensor(name, ptr, dims, type, layout);
}

py::object get_tensor(Client& c, const std::string& name) {
    py::object result;
    bool bf16 = false;
    {
        py::gil_scoped_release nogil;
        // Called once dtype and shape are known (again if the client retries): numpy allocates.
        c.get_tensor_into(name,
                          [&](TensorType type, const std::vector<std::size_t>& dims) -> void* {
                              py::gil_scoped_acquire gil;
                              bf16 = type == TensorType::BFloat16;
                              py::array a = array_for(type, dims);
                              void* p = a.mutable_data();
                              result = std::move(a);
                              return p;
                          });
    }
    if (bf16) return from_bfloat16(result.cast<py::array>());
    return result;
}

void unpack_tensor(Client& c, const std::string& name, py::array out) {
    if (!out.writeable()) throw ParameterException("unpack_tensor: the output array is read-only");
    if (!c_order(out) && !f_order(out))
        throw ParameterException("unpack_tensor: the output array must be contiguous");
    const TensorType type = tensor_type_of(out.dtype());
    const MemoryLayout layout =
        c_order(out) ? MemoryLayout::Contiguous : MemoryLayout::FortranContiguous;
    const std::vector<std::size_t> dims = shape_of(out);
    void* ptr = out.mutable_data();
    py::gil_scoped_release nogil;
    c.unpack_tensor(name, ptr, dims, type, layout);
}

// Arrays allocated while the client reads (get_tensors, run_model with an output count): numpy
// owns them, shaped by the reply; bfloat16 ones are converted once the read is done. allocate()
// runs on the client's thread without the GIL.
struct NewArrays {
    explicit NewArrays(std::size_t n) : arrays(n), bf16(n, 0) {}
    void* allocate(std::size_t i, TensorType type, const std::vector<std::size_t>& dims) {
        py::gil_scoped_acquire gil;
        bf16[i] = type == TensorType::BFloat16;
        py::array a = array_for(type, dims);
        void* p = a.mutable_data();
        arrays[i] = std::move(a);
        return p;
    }
    py::list finish() const {
        py::list out;
        for (std::size_t i = 0; i < arrays.size(); ++i)
            out.append(bf16[i] ? from_bfloat16(arrays[i].cast<py::array>()) : arrays[i]);
        return out;
    }
    std::vector<py::object> arrays;
    std::vector<char> bf16;
};

// The batch calls: lists of names and arrays, pipelined by the client (put: each array sent from
// its own memory when contiguous; unpack: writeable contiguous arrays filled in place).
void put_tensors(Client& c, const std::vector<std::string>& names, const py::list& data) {
    if (names.size() != py::len(data))
        throw ParameterException("put_tensors: " + std::to_string(names.size()) + " names but " +
                                 std::to_string(py::len(data)) + " arrays");
    std::vector<py::array> keep;  // alive until the call returns
    std::vector<InputTensor> ins;
    for (std::size_t i = 0; i < names.size(); ++i) {
        ins.push_back(input_of(data[i], "put_tensors: data for '" + names[i] + "'", keep));
    }
    py::gil_scoped_release nogil;
    c.put_tensors(names, ins);
}

void unpack_tensors(Client& c, const std::vector<std::string>& names, const py::list& results) {
    if (names.size() != py::len(results))
        throw ParameterException("unpack_tensors: " + std::to_string(names.size()) + " names but " +
                                 std::to_string(py::len(results)) + " arrays");
    std::vector<OutputTensor> outs;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (!py::isinstance<py::array>(results[i]))
            throw ParameterException("unpack_tensors: the result for '" + names[i] +
                                     "' is not a numpy array");
        outs.push_back(output_of(py::reinterpret_borrow<py::array>(results[i]),
                                 "unpack_tensors: the array for '" + names[i] + "'"));
    }
    py::gil_scoped_release nogil;  // `results` (the caller's) keeps the arrays alive
    c.unpack_tensors(names, outs);
}

// New numpy arrays (as get_tensor returns them), read with one pipelined batch call.
py::list get_tensors(Client& c, const std::vector<std::string>& names) {
    NewArrays made(names.size());
    {
        py::gil_scoped_release nogil;
        c.get_tensors_into(
            names, [&](std::size_t i, TensorType type, const std::vector<std::size_t>& dims) {
                return made.allocate(i, type, dims);
            });
    }
    return made.finish();
}

// The one-round-trip run_model: `inputs` are array-likes (sent from their own memory when
// contiguous); `outputs` is a count (new arrays, numpy-owned, shaped by the reply) or a list of
// writeable contiguous arrays filled in place. Returns the output arrays.
py::list run_model_arrays(Client& c, const std::string& name, const py::list& inputs,
                          const py::object& outputs) {
    std::vector<py::array> keep;  // alive until the call returns
    std::vector<InputTensor> ins;
    for (const py::handle& h : inputs) {
        ins.push_back(input_of(h, "run_model: an input of '" + name + "'", keep));
    }
    py::list result;
    if (py::isinstance<py::int_>(outputs)) {
        const long long n = outputs.cast<long long>();
        if (n <= 0) throw ParameterException("run_model: the number of outputs must be positive");
        NewArrays made(static_cast<std::size_t>(n));
        {
            py::gil_scoped_release nogil;
            c.run_model_into(
                name, ins, static_cast<std::size_t>(n),
                [&](std::size_t i, TensorType type, const std::vector<std::size_t>& dims) -> void* {
                    return made.allocate(i, type, dims);
                });
        }
        return made.finish();
    }
    std::vector<OutputTensor> outs;
    for (const py::handle& h : outputs) {
        if (!py::isinstance<py::array>(h))
            throw ParameterException("run_model: outputs must be a count or a list of arrays");
        py::array a = py::reinterpret_borrow<py::array>(h);
        outs.push_back(output_of(a, "run_model: an output array"));
        result.append(a);
    }
    py::gil_scoped_release nogil;
    c.run_model(name, ins, outs);
    return result;
}

template <class Map>
py::dict to_dict(const Map& m) {
    py::dict d;
    for (const auto& [k, v] : m) d[py::str(k)] = v;
    return d;
}

}  // namespace

void bind_client(py::module_& m) {
    using R = py::call_guard<py::gil_scoped_release>;
    py::class_<Client> cls(m, "Client", "insitu client (use insitu.Client)");
    cls.def(py::init([](const ConfigOptions* cfg, const std::string& logger_name) {
                py::gil_scoped_release nogil;
                return cfg ? std::make_unique<Client>(cfg, logger_name)
                           : std::make_unique<Client>(logger_name);
            }),
            py::arg("config_options"), py::arg("logger_name") = "default")
        .def("put_tensor", &put_tensor, py::arg("name"), py::arg("data"),
             py::arg("dtype") = py::none())
        .def("get_tensor", &get_tensor, py::arg("name"))
        .def("unpack_tensor", &unpack_tensor, py::arg("name"), py::arg("result"))
        .def("put_tensors", &put_tensors, py::arg("names"), py::arg("data"))
        .def("unpack_tensors", &unpack_tensors, py::arg("names"), py::arg("results"))
        .def("get_tensors", &get_tensors, py::arg("names"))
        .def("_run_model_arrays", &run_model_arrays, py::arg("name"), py::arg("inputs"),
             py::arg("outputs"))
        .def("rename_tensor", &Client::rename_tensor, py::arg("old_name"), py::arg("new_name"), R())
        .def("delete_tensor", &Client::delete_tensor, py::arg("name"), R())
        .def("copy_tensor", &Client::copy_tensor, py::arg("src_name"), py::arg("dest_name"), R())
        .def("tensor_exists", &Client::tensor_exists, py::arg("name"), R())
        .def("poll_tensor", &Client::poll_tensor, py::arg("name"), py::arg("poll_frequency_ms"),
             py::arg("num_tries"), R())
        .def("key_exists", &Client::key_exists, py::arg("key"), R())
        .def("poll_key", &Client::poll_key, py::arg("key"), py::arg("poll_frequency_ms"),
             py::arg("num_tries"), R())
        .def("set_data_source", &Client::set_data_source, py::arg("source_id"))
        .def("use_tensor_ensemble_prefix", &Client::use_tensor_ensemble_prefix,
             py::arg("use_prefix"))
        .def("use_dataset_ensemble_prefix", &Client::use_dataset_ensemble_prefix,
             py::arg("use_prefix"))
        .def("use_model_ensemble_prefix", &Client::use_model_ensemble_prefix, py::arg("use_prefix"))
        .def("use_list_ensemble_prefix", &Client::use_list_ensemble_prefix, py::arg("use_prefix"))
        // Single-node admin calls; insitu.Client wraps them to take lists of addresses.
        .def("_get_db_node_info",
             [](Client& c, const std::string& address) {
                 auto info = [&] {
                     py::gil_scoped_release nogil;
                     return c.get_db_node_info(address);
                 }();
                 py::dict d;
                 for (const auto& [section, fields] : info) d[py::str(section)] = to_dict(fields);
                 return d;
             })
        .def("_get_db_cluster_info",
             [](Client& c, const std::string& address) {
                 auto info = [&] {
                     py::gil_scoped_release nogil;
                     return c.get_db_cluster_info(address);
                 }();
                 return to_dict(info);
             })
        .def("_get_ai_info",
             [](Client& c, const std::string& address, const std::string& key, bool reset_stat) {
                 auto info = [&] {
                     py::gil_scoped_release nogil;
                     return c.get_ai_info(address, key, reset_stat);
                 }();
                 return to_dict(info);
             })
        .def("_flush_db", &Client::flush_db, R())
        .def("_config_get",
             [](Client& c, const std::string& expression, const std::string& address) {
                 auto r = [&] {
                     py::gil_scoped_release nogil;
                     return c.config_get(expression, address);
                 }();
                 return to_dict(r);
             })
        .def("_config_set", &Client::config_set, R())
        .def("_save", &Client::save, R())
        // Lines under the client's logger name, where its configuration says (SR_LOG_FILE).
        .def("log_data", &Client::log_data, py::arg("level"), py::arg("data"))
        .def("log_warning", &Client::log_warning, py::arg("level"), py::arg("data"))
        .def("log_error", &Client::log_error, py::arg("level"), py::arg("data"))
        .def("is_cluster", &Client::is_cluster)
        .def("node_addresses", &Client::node_addresses)
        .def("__str__", &Client::to_string)
        .def("to_string", &Client::to_string);
    bind_client_data(cls);
}

}  // namespace insitu::python
