// C API: DataSet handles (tensors and metadata held in memory until put_dataset).
#include "handles.h"

#include <algorithm>

using namespace insitu;
using namespace insitu::capi;

namespace {

std::vector<std::size_t> shape(const size_t* dims, size_t n_dims) {
    if (n_dims == 0) throw ParameterException("n_dims must be at least 1");
    if (dims == nullptr) throw ParameterException("dims is null");
    return std::vector<std::size_t>(dims, dims + n_dims);
}

// Keeps `list` in the handle and points the caller's outputs at it.
void hand_out(DatasetHandle& h, std::vector<std::string> list, char*** data, size_t* n,
              size_t** lengths) {
    char*** d = out(data, "data");
    size_t* c = out(n, "n_strings");
    size_t** l = out(lengths, "lengths");
    h.strings = std::move(list);
    h.pointers.clear();
    h.lengths.clear();
    for (std::string& s : h.strings) {
        h.pointers.push_back(s.data());  // std::string keeps a NUL after its bytes
        h.lengths.push_back(s.size());
    }
    *d = h.pointers.data();
    *c = h.strings.size();
    *l = h.lengths.data();
}

}  // namespace

extern "C" {

SRError CDataSet(const char* name, size_t name_length, void** new_dataset) {
    return guard("CDataSet", [&] {
        void** o = out(new_dataset, "new_dataset");
        *o = new DatasetHandle(DataSet(str(name, name_length, "name")));
    });
}

SRError DeallocateDataSet(void** dataset) {
    return guard("DeallocateDataSet", [&] {
        if (dataset == nullptr || *dataset == nullptr) return;
        DatasetHandle* h = &dataset_handle(*dataset);
        h->tag = Tag{};  // a stale copy of the handle is then rejected, not used
        delete h;
        *dataset = nullptr;
    });
}

SRError add_tensor(void* dataset, const char* name, size_t name_length, void* data,
                   const size_t* dims, size_t n_dims, SRTensorType type,
                   SRMemoryLayout mem_layout) {
    return guard("add_tensor", [&] {
        dataset_handle(dataset).dataset.add_tensor(
            str(name, name_length, "name"), data, shape(dims, n_dims),
            static_cast<TensorType>(type), static_cast<MemoryLayout>(mem_layout));
    });
}

SRError add_meta_scalar(void* dataset, const char* name, size_t name_length, const void* data,
                        SRMetaDataType type) {
    return guard("add_meta_scalar", [&] {
        dataset_handle(dataset).dataset.add_meta_scalar(str(name, name_length, "name"), data,
                                                        static_cast<MetaDataType>(type));
    });
}

SRError add_meta_string(void* dataset, const char* name, size_t name_length, const char* data,
                        size_t data_length) {
    return guard("add_meta_string", [&] {
        dataset_handle(dataset).dataset.add_meta_string(str(name, name_length, "name"),
                                                        str(data, data_length, "data"));
    });
}

SRError get_dataset_tensor(void* dataset, const char* name, size_t name_length, void** data,
                           size_t** dims, size_t* n_dims, SRTensorType* type,
                           SRMemoryLayout mem_layout) {
    return guard("get_dataset_tensor", [&] {
        void** d = out(data, "data");
        size_t** s = out(dims, "dims");
        size_t* n = out(n_dims, "n_dims");
        SRTensorType* t = out(type, "type");
        void* d_v = nullptr;
        std::size_t* s_v = nullptr;
        std::size_t n_v = 0;
        TensorType t_v = TensorType::Invalid;
        dataset_handle(dataset).dataset.get_tensor(str(name, name_length, "name"), d_v, s_v, n_v,
                                                   t_v, static_cast<MemoryLayout>(mem_layout));
        *d = d_v, *s = s_v, *n = n_v, *t = static_cast<SRTensorType>(t_v);
    });
}

SRError unpack_dataset_tensor(void* dataset, const char* name, size_t name_length, void* data,
                              const size_t* dims, size_t n_dims, SRTensorType type,
                              SRMemoryLayout mem_layout) {
    return guard("unpack_dataset_tensor", [&] {
        dataset_handle(dataset).dataset.unpack_tensor(
            str(name, name_length, "name"), data, shape(dims, n_dims),
            static_cast<TensorType>(type), static_cast<MemoryLayout>(mem_layout));
    });
}

SRError get_meta_scalars(void* dataset, const char* name, size_t name_length, size_t* length,
                         SRMetaDataType* type, void** scalar_data) {
    return guard("get_meta_scalars", [&] {
        size_t* l = out(length, "length");
        SRMetaDataType* t = out(type, "type");
        void** d = out(scalar_data, "scalar_data");
        void* d_v = nullptr;
        std::size_t l_v = 0;
        MetaDataType t_v = MetaDataType::Invalid;
        dataset_handle(dataset).dataset.get_meta_scalars(str(name, name_length, "name"), d_v, l_v,
                                                         t_v);
        *l = l_v, *t = static_cast<SRMetaDataType>(t_v), *d = d_v;
    });
}

SRError get_meta_strings(void* dataset, const char* name, size_t name_length, char*** data,
                         size_t* n_strings, size_t** lengths) {
    return guard("get_meta_strings", [&] {
        DatasetHandle& h = dataset_handle(dataset);
        hand_out(h, h.dataset.get_meta_strings(str(name, name_length, "name")), data, n_strings,
                 lengths);
    });
}

SRError get_tensor_names(void* dataset, char*** data, size_t* n_strings, size_t** lengths) {
    return guard("get_tensor_names", [&] {
        DatasetHandle& h = dataset_handle(dataset);
        hand_out(h, h.dataset.get_tensor_names(), data, n_strings, lengths);
    });
}

SRError get_metadata_field_names(void* dataset, char*** data, size_t* n_strings, size_t** lengths) {
    return guard("get_metadata_field_names", [&] {
        DatasetHandle& h = dataset_handle(dataset);
        hand_out(h, h.dataset.get_metadata_field_names(), data, n_strings, lengths);
    });
}

SRError get_tensor_type(void* dataset, const char* name, size_t name_length, SRTensorType* type) {
    return guard("get_tensor_type", [&] {
        SRTensorType* t = out(type, "type");
        *t = static_cast<SRTensorType>(
            dataset_handle(dataset).dataset.get_tensor_type(str(name, name_length, "name")));
    });
}

SRError get_metadata_field_type(void* dataset, const char* name, size_t name_length,
                                SRMetaDataType* type) {
    return guard("get_metadata_field_type", [&] {
        SRMetaDataType* t = out(type, "type");
        *t = static_cast<SRMetaDataType>(dataset_handle(dataset).dataset.get_metadata_field_type(
            str(name, name_length, "name")));
    });
}

SRError get_tensor_dims(void* dataset, const char* name, size_t name_length, size_t* dims,
                        size_t* n_dims) {
    return guard("get_tensor_dims", [&] {
        size_t* n = out(n_dims, "n_dims");
        std::vector<std::size_t> d =
            dataset_handle(dataset).dataset.get_tensor_dims(str(name, name_length, "name"));
        if (*n < d.size() || dims == nullptr) {
            const std::size_t room = *n;
            *n = d.size();
            throw BadAllocException("get_tensor_dims: the tensor has " + std::to_string(d.size()) +
                                    " dimensions, the buffer room for " + std::to_string(room));
        }
        std::copy(d.begin(), d.end(), dims);
        *n = d.size();
    });
}

SRError has_field(void* dataset, const char* name, size_t name_length, bool* result) {
    return guard("has_field", [&] {
        bool* r = out(result, "result");
        *r = dataset_handle(dataset).dataset.has_field(str(name, name_length, "name"));
    });
}

SRError clear_field(void* dataset, const char* name, size_t name_length) {
    return guard("clear_field", [&] {
        dataset_handle(dataset).dataset.clear_field(str(name, name_length, "name"));
    });
}

}  // extern "C"
