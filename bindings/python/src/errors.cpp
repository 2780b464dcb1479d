// C++ exceptions -> the Python classes of insitu.error (named like SmartRedis's), one class per
// insitu::ErrorCode so the mapping stays 1:1 with the C API's error codes.
#include "errors.h"

#include <insitu/errors.h>

#include <array>

namespace py = pybind11;

namespace insitu::python {
namespace {

// Indexed by ErrorCode. Owned for the life of the process: the interpreter may already be gone
// when static destructors run, so these references are deliberately never released.
std::array<PyObject*, 10> classes{};

}  // namespace

void register_errors(py::module_& m) {
    py::module_ err = py::module_::import("insitu.error");
    const char* names[10] = {"RedisReplyError",    "RedisBadAllocError", "RedisDatabaseError",
                             "RedisInternalError", "RedisRuntimeError",  "RedisParameterError",
                             "RedisTimeoutError",  "RedisKeyError",      "RedisInvalidError",
                             "RedisTypeError"};
    for (std::size_t i = 0; i < classes.size(); ++i) {
        py::object cls = err.attr(names[i]);
        classes[i] = cls.release().ptr();
        m.attr(names[i]) = py::handle(classes[i]);
    }
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const Exception& e) {
            auto code = static_cast<std::size_t>(e.code());
            PyErr_SetString(code < classes.size() ? classes[code] : classes[0], e.what());
        }
    });
}

}  // namespace insitu::python
