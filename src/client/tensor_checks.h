// Argument checks shared by every call that takes a caller's tensor (Client and DataSet), so
// that both reject the same inputs with the same messages.
#pragma once

#include <insitu/tensor_types.h>

#include <cstddef>
#include <vector>

namespace insitu::client {

// Each throws ParameterException naming `call`.
void check_type(TensorType type, const char* call);
void check_layout(MemoryLayout layout, const char* call);
void check_data(const void* data, const char* call);
// Returns the payload size in bytes of a tensor of `dims`.
std::size_t check_dims(const std::vector<std::size_t>& dims, TensorType type, const char* call);

}  // namespace insitu::client
