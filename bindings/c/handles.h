// What the C API's opaque handles point to. Each starts with a tag so that a handle of the wrong
// kind (a ConfigOptions where a client is expected) is reported as SRParameterError, not a crash.
#pragma once

#include <insitu/client.h>
#include <insitu/config_options.h>
#include <insitu/dataset.h>
#include <insitu/logging.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "error.h"

namespace insitu::capi {

enum class Tag : std::uint32_t {
    client = 0x43534e49u,       // "INSC"
    config = 0x4f534e49u,       // "INSO"
    dataset = 0x44534e49u,      // "INSD"
    log_context = 0x4c534e49u,  // "INSL"
};

struct ClientHandle {
    Tag tag = Tag::client;
    Client client;
    template <class... A>
    explicit ClientHandle(A&&... args) : client(std::forward<A>(args)...) {}
};

struct ConfigHandle {
    Tag tag = Tag::config;
    std::unique_ptr<ConfigOptions> options;
};

struct DatasetHandle {
    Tag tag = Tag::dataset;
    DataSet dataset;
    // The last string list handed out (get_meta_strings, get_tensor_names, ...), owned here.
    std::vector<std::string> strings;
    std::vector<char*> pointers;
    std::vector<std::size_t> lengths;
    explicit DatasetHandle(DataSet d) : dataset(std::move(d)) {}
};

struct LogContextHandle {
    Tag tag = Tag::log_context;
    LogContext context;
    explicit LogContextHandle(std::string name) : context(std::move(name)) {}
};

// The handle behind `p`, or ParameterException naming `what`.
template <class H>
H& handle(void* p, Tag tag, const char* what) {
    if (p == nullptr) throw ParameterException(std::string(what) + " handle is null");
    if (*static_cast<const Tag*>(p) != tag)
        throw ParameterException(std::string(what) + " handle is not a " + what +
                                 " (wrong or deleted handle)");
    return *static_cast<H*>(p);
}
inline Client& client(void* p) {
    return handle<ClientHandle>(p, Tag::client, "client").client;
}
inline DatasetHandle& dataset_handle(void* p) {
    return handle<DatasetHandle>(p, Tag::dataset, "dataset");
}
inline ConfigOptions& config(void* p) {
    return *handle<ConfigHandle>(p, Tag::config, "ConfigOptions").options;
}

}  // namespace insitu::capi
