#include "client/tensor_checks.h"

#include <insitu/errors.h>

#include <stdexcept>
#include <string>

#include "client/tensor_io.h"
#include "core/layout.h"

namespace insitu::client {

void check_type(TensorType type, const char* call) {
    if (element_size(type) == 0) {
        throw ParameterException(std::string(call) + ": unsupported tensor type " +
                                 std::to_string(static_cast<int>(type)) +
                                 (type == TensorType::String ? " (String)" : ""));
    }
}

void check_layout(MemoryLayout layout, const char* call) {
    if (layout == MemoryLayout::Contiguous || layout == MemoryLayout::Nested ||
        layout == MemoryLayout::FortranContiguous)
        return;
    throw ParameterException(std::string(call) + ": " +
                             (layout == MemoryLayout::FortranNested
                                  ? "the FortranNested memory layout is not supported"
                                  : "invalid memory layout"));
}

void check_data(const void* data, const char* call) {
    if (data == nullptr) throw ParameterException(std::string(call) + ": data must not be null");
}

std::size_t check_dims(const std::vector<std::size_t>& dims, TensorType type, const char* call) {
    if (dims.empty()) throw ParameterException(std::string(call) + ": dims must not be empty");
    for (std::size_t d : dims)
        if (d == 0)
            throw ParameterException(std::string(call) +
                                     ": every dimension must be positive, got " + dims_text(dims));
    try {
        std::size_t n = core::element_count(dims);
        std::size_t elem = element_size(type);
        if (n > static_cast<std::size_t>(-1) / elem) throw std::overflow_error("");
        return n * elem;
    } catch (const std::overflow_error&) {
        throw ParameterException(std::string(call) + ": tensor shape " + dims_text(dims) +
                                 " is too large");
    }
}

}  // namespace insitu::client
