// Client::get_tensor_into: a tensor read into memory the caller allocates once dtype and shape are
// known, so bindings (Python's numpy arrays) own the result and the client retains nothing.
#include "client/client_impl.h"

#include "client/tensor_io.h"
#include "core/layout.h"

namespace insitu {
namespace client {

void receive_allocated(Connection& c, const TensorMeta& m, const std::string& name,
                       const std::string& key, const Client::TensorAllocator& allocate,
                       const char* call) {
    const std::string what(call);
    const std::size_t elem = element_size(m.type);
    if (elem == 0 || core::element_count(m.dims) * elem != m.blob_size) {
        discard_blob(c, m.blob_size);
        if (elem == 0)
            throw TypeException(what + ": tensor " + key_label(name, key) + " has dtype " +
                                m.type_name + ", which " + what + " does not support");
        throw DatabaseException(what + ": tensor " + key_label(name, key) + " has a blob of " +
                                std::to_string(m.blob_size) + " bytes for shape " +
                                dims_text(m.dims));
    }
    void* dst = nullptr;
    try {
        dst = allocate(m.type, m.dims);
    } catch (...) {
        discard_blob(c, m.blob_size);  // keep the connection in step with the server
        throw;
    }
    if (dst == nullptr) {
        discard_blob(c, m.blob_size);
        throw BadAllocException(what + ": no memory for tensor " + key_label(name, key));
    }
    read_blob(c, dst, m.blob_size);
}

}  // namespace client

void Client::get_tensor_into(const std::string& name, const TensorAllocator& allocate) {
    const std::string key = impl_->prefix->get_tensor_key(name);
    impl_->log->debug([&] { return "get_tensor " + key; });
    impl_->router->on_key_read(key, [&](client::Connection& c) {
        client::TensorMeta m = client::begin_tensorget(c, key, name, "get_tensor");
        client::receive_allocated(c, m, name, key, allocate, "get_tensor");
    });
}

}  // namespace insitu
