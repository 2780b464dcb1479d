// C++ exceptions -> the Python classes of insitu.error. Client errors (insitu::Exception) get the
// class named like SmartRedis's, one per insitu::ErrorCode 0-9 so the mapping stays 1:1 with the C
// API's error codes; driver errors (insitu/launch_errors.h) get the class named like SmartSim's
// smartsim.error for their code, with the code on the instance.
#include "errors.h"

#include <insitu/errors.h>

#include <array>
#include <cstring>
#include <utility>

namespace py = pybind11;

namespace insitu::python {
namespace {

// Indexed by ErrorCode. Owned for the life of the process: the interpreter may already be gone
// when static destructors run, so these references are deliberately never released.
std::array<PyObject*, 10> classes{};
// The driver's classes by code; codes without one of their own get SmartSimError.
std::array<PyObject*, 14> driver_classes{};
PyObject* smartsim_error = nullptr;

// Raises cls(what) with `code` set on the instance. Messages may carry a server log's tail, so
// bytes that are not UTF-8 are replaced rather than failing the conversion.
void raise_coded(PyObject* cls, ErrorCode code, const char* what) {
    PyObject* msg =
        PyUnicode_DecodeUTF8(what, static_cast<Py_ssize_t>(std::strlen(what)), "replace");
    PyObject* exc = msg ? PyObject_CallOneArg(cls, msg) : nullptr;
    Py_XDECREF(msg);
    if (exc == nullptr) return;  // the failure to build it is the error raised
    PyObject* value = PyLong_FromLong(static_cast<long>(code));
    if (value == nullptr || PyObject_SetAttrString(exc, "code", value) != 0) {
        Py_XDECREF(value);
        Py_DECREF(exc);
        return;
    }
    Py_DECREF(value);
    PyErr_SetObject(cls, exc);
    Py_DECREF(exc);
}

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
    smartsim_error = py::object(err.attr("SmartSimError")).release().ptr();
    driver_classes.fill(smartsim_error);
    const std::pair<ErrorCode, const char*> driver[] = {
        {ErrorCode::Parameter, "SSConfigError"},
        {ErrorCode::Timeout, "LaunchTimeoutError"},
        {ErrorCode::Launcher, "LauncherError"},
        {ErrorCode::Allocation, "AllocationError"},
        {ErrorCode::EntityExists, "EntityExistsError"},
        {ErrorCode::Unsupported, "SSUnsupportedError"}};
    for (const auto& [code, name] : driver)
        driver_classes[static_cast<std::size_t>(code)] = py::object(err.attr(name)).release().ptr();
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const Exception& e) {
            auto code = static_cast<std::size_t>(e.code());
            PyErr_SetString(code < classes.size() ? classes[code] : classes[0], e.what());
        } catch (const CodedError& e) {
            auto code = static_cast<std::size_t>(e.code());
            // A CodedError is always a std::exception (launch_errors.h).
            const char* what = dynamic_cast<const std::exception&>(e).what();
            raise_coded(code < driver_classes.size() ? driver_classes[code] : smartsim_error,
                        e.code(), what);
        }
    });
}

}  // namespace insitu::python
