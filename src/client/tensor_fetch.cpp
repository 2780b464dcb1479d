// Client::get_tensor_into: a tensor read into memory the caller allocates once dtype and shape are
// known, so bindings (Python's numpy arrays) own the result and the client retains nothing.
#include "client/client_impl.h"

#include "client/tensor_io.h"
#include "core/layout.h"

namespace insitu {

void Client::get_tensor_into(const std::string& name, const TensorAllocator& allocate) {
    const std::string key = impl_->prefix->get_tensor_key(name);
    impl_->log->log(client::LogLevel::Debug, "get_tensor " + key);
    impl_->router->on_key_read(key, [&](client::Connection& c) {
        client::TensorMeta m = client::begin_tensorget(c, key, name, "get_tensor");
        const std::size_t elem = element_size(m.type);
        if (elem == 0 || core::element_count(m.dims) * elem != m.blob_size) {
            client::discard_blob(c, m.blob_size);
            if (elem == 0)
                throw TypeException("get_tensor: tensor " + client::key_label(name, key) +
                                    " has dtype " + m.type_name +
                                    ", which get_tensor does not support");
            throw DatabaseException("get_tensor: tensor " + client::key_label(name, key) +
                                    " has a blob of " + std::to_string(m.blob_size) +
                                    " bytes for shape " + client::dims_text(m.dims));
        }
        void* dst = nullptr;
        try {
            dst = allocate(m.type, m.dims);
        } catch (...) {
            client::discard_blob(c, m.blob_size);  // keep the connection in step with the server
            throw;
        }
        if (dst == nullptr) {
            client::discard_blob(c, m.blob_size);
            throw BadAllocException("get_tensor: no memory for tensor " +
                                    client::key_label(name, key));
        }
        client::read_blob(c, dst, m.blob_size);
    });
}

}  // namespace insitu
