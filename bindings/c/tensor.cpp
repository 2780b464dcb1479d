// C API: tensors.
#include "handles.h"

#include <cstdlib>
#include <vector>

using namespace insitu;
using namespace insitu::capi;

namespace {

std::vector<std::size_t> shape(const size_t* dims, size_t n_dims) {
    if (n_dims == 0) throw ParameterException("n_dims must be at least 1");
    if (dims == nullptr) throw ParameterException("dims is null");
    return std::vector<std::size_t>(dims, dims + n_dims);
}

struct FreeDeleter {
    void operator()(void* p) const noexcept { std::free(p); }
};

// The names and shapes of a batch call; BatchException fills `item_errors` (when given) before
// it reaches guard, which reports its message.
template <class Tensor, class Data, class Call>
void batch_call(const char* const* names, const size_t* name_lengths, Data data,
                const size_t* const* dims, const size_t* n_dims, const SRTensorType* types,
                size_t n, SRMemoryLayout mem_layout, SRError* item_errors, Call call) {
    if (n > 0 && (!names || !name_lengths || !data || !dims || !n_dims || !types))
        throw ParameterException(
            "names, name_lengths, data, dims, n_dims and types must not be "
            "null");
    if (item_errors)
        for (size_t i = 0; i < n; ++i) item_errors[i] = SRNoError;
    std::vector<std::string> keys;
    std::vector<Tensor> tensors;
    for (size_t i = 0; i < n; ++i) {
        keys.push_back(str(names[i], name_lengths[i], "names[i]"));
        tensors.push_back({data[i], shape(dims[i], n_dims[i]), static_cast<TensorType>(types[i]),
                           static_cast<MemoryLayout>(mem_layout)});
    }
    try {
        call(keys, tensors);
    } catch (const BatchException& e) {
        if (item_errors)
            for (const auto& f : e.failures())
                item_errors[f.index] = static_cast<SRError>(static_cast<int>(f.code));
        throw;
    }
}

}  // namespace

extern "C" {

SRError put_tensors(void* c_client, const char* const* names, const size_t* name_lengths,
                    const void* const* data, const size_t* const* dims, const size_t* n_dims,
                    const SRTensorType* types, size_t n_tensors, SRMemoryLayout mem_layout,
                    SRError* item_errors) {
    return guard("put_tensors", [&] {
        batch_call<InputTensor>(
            names, name_lengths, data, dims, n_dims, types, n_tensors, mem_layout, item_errors,
            [&](const auto& k, const auto& t) { client(c_client).put_tensors(k, t); });
    });
}

SRError unpack_tensors(void* c_client, const char* const* names, const size_t* name_lengths,
                       void* const* results, const size_t* const* dims, const size_t* n_dims,
                       const SRTensorType* types, size_t n_tensors, SRMemoryLayout mem_layout,
                       SRError* item_errors) {
    return guard("unpack_tensors", [&] {
        batch_call<OutputTensor>(
            names, name_lengths, results, dims, n_dims, types, n_tensors, mem_layout, item_errors,
            [&](const auto& k, const auto& t) { client(c_client).unpack_tensors(k, t); });
    });
}

SRError put_tensor(void* c_client, const char* name, size_t name_length, void* data,
                   const size_t* dims, size_t n_dims, SRTensorType type,
                   SRMemoryLayout mem_layout) {
    return guard("put_tensor", [&] {
        client(c_client).put_tensor(str(name, name_length, "name"), data, shape(dims, n_dims),
                                    static_cast<TensorType>(type),
                                    static_cast<MemoryLayout>(mem_layout));
    });
}

SRError get_tensor(void* c_client, const char* name, size_t name_length, void** data, size_t** dims,
                   size_t* n_dims, SRTensorType* type, SRMemoryLayout mem_layout) {
    return guard("get_tensor", [&] {
        void** d = out(data, "data");
        size_t** s = out(dims, "dims");
        size_t* n = out(n_dims, "n_dims");
        SRTensorType* t = out(type, "type");
        void* d_v = nullptr;
        std::size_t* s_v = nullptr;
        std::size_t n_v = 0;
        TensorType t_v = TensorType::Invalid;
        client(c_client).get_tensor(str(name, name_length, "name"), d_v, s_v, n_v, t_v,
                                    static_cast<MemoryLayout>(mem_layout));
        *d = d_v, *s = s_v, *n = n_v, *t = static_cast<SRTensorType>(t_v);
    });
}

SRError get_tensor_copy(void* c_client, const char* name, size_t name_length, void** data,
                        size_t** dims, size_t* n_dims, SRTensorType* type) {
    return guard("get_tensor_copy", [&] {
        void** d = out(data, "data");
        size_t** s = out(dims, "dims");
        size_t* n = out(n_dims, "n_dims");
        SRTensorType* t = out(type, "type");
        std::unique_ptr<void, FreeDeleter> buf;
        std::unique_ptr<void, FreeDeleter> shp;
        std::size_t rank = 0;
        TensorType t_v = TensorType::Invalid;
        // The allocator may run again when the client retries after a lost connection.
        client(c_client).get_tensor_into(
            str(name, name_length, "name"),
            [&](TensorType tt, const std::vector<std::size_t>& ds) -> void* {
                std::size_t bytes = element_size(tt);
                for (std::size_t x : ds) bytes *= x;
                buf.reset(std::malloc(bytes == 0 ? 1 : bytes));
                shp.reset(std::malloc(sizeof(std::size_t) * (ds.empty() ? 1 : ds.size())));
                if (!buf || !shp)
                    throw BadAllocException("get_tensor_copy: no memory for the tensor");
                std::copy(ds.begin(), ds.end(), static_cast<std::size_t*>(shp.get()));
                rank = ds.size();
                t_v = tt;
                return buf.get();
            });
        *d = buf.release();
        *s = static_cast<size_t*>(shp.release());
        *n = rank;
        *t = static_cast<SRTensorType>(t_v);
    });
}

SRError unpack_tensor(void* c_client, const char* name, size_t name_length, void* result,
                      const size_t* dims, size_t n_dims, SRTensorType type,
                      SRMemoryLayout mem_layout) {
    return guard("unpack_tensor", [&] {
        client(c_client).unpack_tensor(str(name, name_length, "name"), result, shape(dims, n_dims),
                                       static_cast<TensorType>(type),
                                       static_cast<MemoryLayout>(mem_layout));
    });
}

SRError rename_tensor(void* c_client, const char* old_name, size_t old_name_length,
                      const char* new_name, size_t new_name_length) {
    return guard("rename_tensor", [&] {
        client(c_client).rename_tensor(str(old_name, old_name_length, "old_name"),
                                       str(new_name, new_name_length, "new_name"));
    });
}

SRError delete_tensor(void* c_client, const char* name, size_t name_length) {
    return guard("delete_tensor",
                 [&] { client(c_client).delete_tensor(str(name, name_length, "name")); });
}

SRError copy_tensor(void* c_client, const char* src_name, size_t src_name_length,
                    const char* dest_name, size_t dest_name_length) {
    return guard("copy_tensor", [&] {
        client(c_client).copy_tensor(str(src_name, src_name_length, "src_name"),
                                     str(dest_name, dest_name_length, "dest_name"));
    });
}

SRError tensor_exists(void* c_client, const char* name, size_t name_length, bool* exists) {
    return guard("tensor_exists", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).tensor_exists(str(name, name_length, "name"));
    });
}

SRError poll_tensor(void* c_client, const char* name, size_t name_length, int poll_frequency_ms,
                    int num_tries, bool* exists) {
    return guard("poll_tensor", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).poll_tensor(str(name, name_length, "name"), poll_frequency_ms,
                                          num_tries);
    });
}

}  // extern "C"
