// _insitu.Client: datasets, aggregation lists, models and scripts (added to the class bound in
// client.cpp). Network calls release the GIL.
#include "bindings.h"

#include <insitu/client.h>
#include <insitu/dataset.h>

#include <pybind11/stl.h>

namespace py = pybind11;

namespace insitu::python {

void bind_client_data(py::class_<Client>& c) {
    using R = py::call_guard<py::gil_scoped_release>;
    using S = std::vector<std::string>;
    c.def("put_dataset", &Client::put_dataset, py::arg("dataset"), R())
        .def("get_dataset", &Client::get_dataset, py::arg("name"), R())
        .def("rename_dataset", &Client::rename_dataset, py::arg("old_name"), py::arg("new_name"),
             R())
        .def("copy_dataset", &Client::copy_dataset, py::arg("src_name"), py::arg("dest_name"), R())
        .def("delete_dataset", &Client::delete_dataset, py::arg("name"), R())
        .def("dataset_exists", &Client::dataset_exists, py::arg("name"), R())
        .def("poll_dataset", &Client::poll_dataset, py::arg("name"), py::arg("poll_frequency_ms"),
             py::arg("num_tries"), R())
        .def("append_to_list", &Client::append_to_list, py::arg("list_name"), py::arg("dataset"),
             R())
        .def("delete_list", &Client::delete_list, py::arg("list_name"), R())
        .def("copy_list", &Client::copy_list, py::arg("src_name"), py::arg("dest_name"), R())
        .def("rename_list", &Client::rename_list, py::arg("src_name"), py::arg("dest_name"), R())
        .def("get_list_length", &Client::get_list_length, py::arg("list_name"), R())
        .def("poll_list_length", &Client::poll_list_length, py::arg("name"), py::arg("list_length"),
             py::arg("poll_frequency_ms"), py::arg("num_tries"), R())
        .def("poll_list_length_gte", &Client::poll_list_length_gte, py::arg("name"),
             py::arg("list_length"), py::arg("poll_frequency_ms"), py::arg("num_tries"), R())
        .def("poll_list_length_lte", &Client::poll_list_length_lte, py::arg("name"),
             py::arg("list_length"), py::arg("poll_frequency_ms"), py::arg("num_tries"), R())
        .def("get_datasets_from_list", &Client::get_datasets_from_list, py::arg("list_name"), R())
        .def("get_dataset_list_range", &Client::get_dataset_list_range, py::arg("list_name"),
             py::arg("start_index"), py::arg("end_index"), R())
        // Models: `model` is bytes; the Python layer supplies SmartRedis's defaults.
        .def("_set_model",
             [](Client& c, const std::string& name, const py::bytes& model,
                const std::string& backend, const std::string& device, int batch_size,
                int min_batch_size, int min_batch_timeout, const std::string& tag, const S& inputs,
                const S& outputs) {
                 std::string_view blob = model;  // the bytes object outlives the call
                 py::gil_scoped_release nogil;
                 c.set_model(name, blob, backend, device, batch_size, min_batch_size,
                             min_batch_timeout, tag, inputs, outputs);
             })
        .def("_set_model_from_file", &Client::set_model_from_file, R())
        .def("_set_model_multigpu",
             [](Client& c, const std::string& name, const py::bytes& model,
                const std::string& backend, int first_gpu, int num_gpus, int batch_size,
                int min_batch_size, int min_batch_timeout, const std::string& tag, const S& inputs,
                const S& outputs) {
                 std::string_view blob = model;
                 py::gil_scoped_release nogil;
                 c.set_model_multigpu(name, blob, backend, first_gpu, num_gpus, batch_size,
                                      min_batch_size, min_batch_timeout, tag, inputs, outputs);
             })
        .def("_set_model_from_file_multigpu", &Client::set_model_from_file_multigpu, R())
        .def(
            "get_model",
            [](Client& c, const std::string& name) {
                std::string_view v = [&] {
                    py::gil_scoped_release nogil;
                    return c.get_model(name);
                }();
                return py::bytes(v.data(), v.size());
            },
            py::arg("name"))
        .def("_run_model",
             static_cast<void (Client::*)(const std::string&, std::vector<std::string>,
                                          std::vector<std::string>)>(&Client::run_model),
             R())
        .def("_run_model_multigpu", &Client::run_model_multigpu, R())
        .def("delete_model", &Client::delete_model, py::arg("name"), R())
        .def("delete_model_multigpu", &Client::delete_model_multigpu, py::arg("name"),
             py::arg("first_gpu"), py::arg("num_gpus"), R())
        .def("model_exists", &Client::model_exists, py::arg("name"), R())
        .def("poll_model", &Client::poll_model, py::arg("name"), py::arg("poll_frequency_ms"),
             py::arg("num_tries"), R())
        .def("set_model_chunk_size", &Client::set_model_chunk_size, py::arg("chunk_size"), R())
        .def("_set_script",
             [](Client& c, const std::string& name, const std::string& device,
                const std::string& script) {
                 py::gil_scoped_release nogil;
                 c.set_script(name, device, script);
             })
        .def("_set_script_from_file", &Client::set_script_from_file, R())
        .def("_set_script_multigpu",
             [](Client& c, const std::string& name, const std::string& script, int first_gpu,
                int num_gpus) {
                 py::gil_scoped_release nogil;
                 c.set_script_multigpu(name, script, first_gpu, num_gpus);
             })
        .def(
            "get_script",
            [](Client& c, const std::string& name) {
                std::string_view v = [&] {
                    py::gil_scoped_release nogil;
                    return c.get_script(name);
                }();
                return std::string(v);
            },
            py::arg("name"))
        .def("_set_script_from_file_multigpu", &Client::set_script_from_file_multigpu, R())
        .def("_run_script", &Client::run_script, R())
        .def("_run_script_multigpu", &Client::run_script_multigpu, R())
        .def("delete_script", &Client::delete_script, py::arg("name"), R())
        .def("delete_script_multigpu", &Client::delete_script_multigpu, py::arg("name"),
             py::arg("first_gpu"), py::arg("num_gpus"), R());
}

}  // namespace insitu::python
