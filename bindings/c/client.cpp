// C API: client construction, keys, polling and prefixing.
#include "handles.h"

using namespace insitu;
using namespace insitu::capi;

namespace {

template <class... A>
void create(void** new_client, A&&... args) {
    void** o = out(new_client, "new_client");
    *o = new ClientHandle(std::forward<A>(args)...);
}

}  // namespace

extern "C" {

SRError SimpleCreateClient(const char* logger_name, size_t logger_name_length, void** new_client) {
    return guard("SimpleCreateClient",
                 [&] { create(new_client, str(logger_name, logger_name_length, "logger_name")); });
}

SRError CreateClient(void* configoptions, const char* logger_name, size_t logger_name_length,
                     void** new_client) {
    return guard("CreateClient", [&] {
        const ConfigOptions* cfg = &config(configoptions);
        create(new_client, cfg, str(logger_name, logger_name_length, "logger_name"));
    });
}

SRError SmartRedisCClient(bool cluster, const char* logger_name, size_t logger_name_length,
                          void** new_client) {
    return guard("SmartRedisCClient", [&] {
        // The same as the deprecated C++ constructor, without calling it: SR_DB_TYPE overridden.
        auto cfg = ConfigOptions::create_from_environment();
        cfg->override_string_option("SR_DB_TYPE", cluster ? "Clustered" : "Standalone");
        create(new_client, static_cast<const ConfigOptions*>(cfg.get()),
               str(logger_name, logger_name_length, "logger_name"));
    });
}

SRError DeleteCClient(void** c_client) {
    return guard("DeleteCClient", [&] {
        if (c_client == nullptr || *c_client == nullptr) return;
        ClientHandle* h = &handle<ClientHandle>(*c_client, Tag::client, "client");
        h->tag = Tag{};  // a stale copy of the handle is then rejected, not used
        delete h;
        *c_client = nullptr;
    });
}

SRError client_to_string(void* c_client, char** description, size_t* description_length) {
    return guard("client_to_string", [&] {
        char** o = out(description, "description");
        size_t* n = out(description_length, "description_length");
        std::string s = client(c_client).to_string();
        *o = malloc_copy(s);
        *n = s.size();
    });
}

SRError is_cluster(void* c_client, bool* cluster) {
    return guard("is_cluster", [&] { *out(cluster, "cluster") = client(c_client).is_cluster(); });
}

SRError key_exists(void* c_client, const char* key, size_t key_length, bool* exists) {
    return guard("key_exists", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).key_exists(str(key, key_length, "key"));
    });
}

SRError poll_key(void* c_client, const char* key, size_t key_length, int poll_frequency_ms,
                 int num_tries, bool* exists) {
    return guard("poll_key", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).poll_key(str(key, key_length, "key"), poll_frequency_ms, num_tries);
    });
}

SRError set_data_source(void* c_client, const char* source_id, size_t source_id_length) {
    return guard("set_data_source", [&] {
        client(c_client).set_data_source(str(source_id, source_id_length, "source_id"));
    });
}

SRError use_tensor_ensemble_prefix(void* c_client, bool use_prefix) {
    return guard("use_tensor_ensemble_prefix",
                 [&] { client(c_client).use_tensor_ensemble_prefix(use_prefix); });
}
SRError use_dataset_ensemble_prefix(void* c_client, bool use_prefix) {
    return guard("use_dataset_ensemble_prefix",
                 [&] { client(c_client).use_dataset_ensemble_prefix(use_prefix); });
}
SRError use_model_ensemble_prefix(void* c_client, bool use_prefix) {
    return guard("use_model_ensemble_prefix",
                 [&] { client(c_client).use_model_ensemble_prefix(use_prefix); });
}
SRError use_list_ensemble_prefix(void* c_client, bool use_prefix) {
    return guard("use_list_ensemble_prefix",
                 [&] { client(c_client).use_list_ensemble_prefix(use_prefix); });
}

}  // extern "C"
