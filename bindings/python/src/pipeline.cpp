// _insitu.Pipeline: insitu::Pipeline with numpy arrays (insitu.Client.pipeline() wraps it). Each
// queued call returns a PipelineResult; the arrays of queued items are kept alive until the
// flush that sends them. A put sends a copy taken when it is queued (the caller may change its
// array right after), an unpack fills the caller's array during the flush, a get makes a numpy
// array then. Flushes release the GIL; like the client, a pipeline belongs to one thread.
#include <insitu/pipeline.h>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "arrays.h"
#include "bindings.h"
#include "dtypes.h"

namespace py = pybind11;

namespace insitu::python {
namespace {

class PyPipeline;

// One queued item: its future and its array (the put's copy, the unpack's array, or the array a
// get made; bf16: that array holds bfloat16 bits).
struct ItemState {
    PyPipeline* owner = nullptr;  // only followed while the item is unsent, so the owner lives
    std::shared_future<void> done;
    py::object array = py::none();
    bool is_put = false;
    bool bf16 = false;

    bool sent() const {
        return done.valid() && done.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    }
    py::object result();
};

class PyPipeline {
  public:
    PyPipeline(Client& client, std::size_t window) : pipeline_(client, window) {}

    std::shared_ptr<ItemState> put_tensor(const std::string& name, const py::object& data) {
        const std::string what = "Pipeline.put_tensor: data for '" + name + "'";
        if (!py::array::ensure(data)) throw ParameterException(what + " is not array-like");
        py::object copy = py::module_::import("numpy").attr("array")(data, py::arg("copy") = true,
                                                                     py::arg("order") = "K");
        std::vector<py::array> keep;
        const InputTensor t = input_of(copy, what, keep);
        auto state = make_state();
        state->is_put = true;
        state->array = keep.back();
        return queue(state,
                     [&] { return pipeline_.put_tensor(name, t.data, t.dims, t.type, t.layout); });
    }

    std::shared_ptr<ItemState> unpack_tensor(const std::string& name, const py::object& result) {
        if (!py::isinstance<py::array>(result))
            throw ParameterException("Pipeline.unpack_tensor: the result for '" + name +
                                     "' is not a numpy array");
        const OutputTensor t = output_of(py::reinterpret_borrow<py::array>(result),
                                         "Pipeline.unpack_tensor: the array for '" + name + "'");
        auto state = make_state();
        state->array = result;
        return queue(
            state, [&] { return pipeline_.unpack_tensor(name, t.data, t.dims, t.type, t.layout); });
    }

    std::shared_ptr<ItemState> get_tensor(const std::string& name) {
        auto state = make_state();
        ItemState* s = state.get();  // alive in pending_ until the flush that calls this is over
        return queue(state, [&] {
            return pipeline_.get_tensor_into(
                name, [s](TensorType type, const std::vector<std::size_t>& dims) -> void* {
                    py::gil_scoped_acquire gil;
                    s->bf16 = type == TensorType::BFloat16;
                    py::array a = array_for(type, dims);
                    void* p = a.mutable_data();
                    s->array = std::move(a);
                    return p;
                });
        });
    }

    void flush() {
        {
            py::gil_scoped_release nogil;
            pipeline_.flush();
        }
        pending_.clear();  // with the GIL: it may drop the last reference to an array
    }

    std::size_t queued() const { return pipeline_.queued(); }

  private:
    std::shared_ptr<ItemState> make_state() {
        auto s = std::make_shared<ItemState>();
        s->owner = this;
        return s;
    }

    template <class Enqueue>
    std::shared_ptr<ItemState> queue(std::shared_ptr<ItemState> state, Enqueue enqueue) {
        pending_.push_back(state);
        std::future<void> f;
        {
            py::gil_scoped_release nogil;  // queueing the window-th item flushes
            f = enqueue();
        }
        state->done = f.share();
        if (pipeline_.queued() == 0) pending_.clear();
        return state;
    }

    // Declared before pipeline_, so destroyed after the pipeline's destructor flushed them.
    std::vector<std::shared_ptr<ItemState>> pending_;
    Pipeline pipeline_;
};

// The item's value (None for a put, the array for a read) or its error raised; an unsent item
// flushes its pipeline first.
py::object ItemState::result() {
    if (!sent() && done.valid()) owner->flush();
    if (!done.valid()) throw InternalException("Pipeline: this item was never queued");
    {
        py::gil_scoped_release nogil;
        done.get();  // rethrows the item's error, translated to the insitu.error class
    }
    if (is_put) return py::none();
    if (bf16) return from_bfloat16(array.cast<py::array>());
    return array;
}

}  // namespace

void bind_pipeline(py::module_& m) {
    py::class_<ItemState, std::shared_ptr<ItemState>>(
        m, "PipelineResult", "one call queued on a Pipeline (insitu.Client.pipeline)")
        .def("done", &ItemState::sent, "True once the item was sent (its result is known)")
        .def("result", &ItemState::result,
             "None for a put, the array for unpack_tensor / get_tensor; raises the item's error. "
             "Flushes the pipeline first if the item is still queued.");
    py::class_<PyPipeline>(m, "Pipeline", "queued tensor calls sent together (use Client.pipeline)")
        .def(py::init<Client&, std::size_t>(), py::arg("client"), py::arg("window") = 64,
             py::keep_alive<1, 2>())
        .def("put_tensor", &PyPipeline::put_tensor, py::arg("name"), py::arg("data"))
        .def("unpack_tensor", &PyPipeline::unpack_tensor, py::arg("name"), py::arg("result"))
        .def("get_tensor", &PyPipeline::get_tensor, py::arg("name"))
        .def("flush", &PyPipeline::flush)
        .def("__len__", &PyPipeline::queued);
}

}  // namespace insitu::python
