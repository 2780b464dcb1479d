// C API: administration calls (SmartRedis's C API has none). Maps come back as JSON text.
#include "handles.h"
#include "json.h"

using namespace insitu;
using namespace insitu::capi;

namespace {

// Sorted keys (json_object), so the text is stable for a given server state.
template <class Map>
void json_out(const Map& m, char** text, size_t* length) {
    char** o = out(text, "result buffer");
    size_t* n = out(length, "result length");
    std::string s = json_object(m);
    *o = malloc_copy(s);
    *n = s.size();
}

}  // namespace

extern "C" {

SRError get_db_node_info(void* c_client, const char* address, size_t address_length,
                         char** info_json, size_t* info_json_length) {
    return guard("get_db_node_info", [&] {
        out(info_json, "info_json");
        out(info_json_length, "info_json_length");
        json_out(client(c_client).get_db_node_info(str(address, address_length, "address")),
                 info_json, info_json_length);
    });
}

SRError get_db_cluster_info(void* c_client, const char* address, size_t address_length,
                            char** info_json, size_t* info_json_length) {
    return guard("get_db_cluster_info", [&] {
        out(info_json, "info_json");
        out(info_json_length, "info_json_length");
        json_out(client(c_client).get_db_cluster_info(str(address, address_length, "address")),
                 info_json, info_json_length);
    });
}

SRError config_get(void* c_client, const char* expression, size_t expression_length,
                   const char* address, size_t address_length, char** result_json,
                   size_t* result_json_length) {
    return guard("config_get", [&] {
        out(result_json, "result_json");
        out(result_json_length, "result_json_length");
        json_out(client(c_client).config_get(str(expression, expression_length, "expression"),
                                             str(address, address_length, "address")),
                 result_json, result_json_length);
    });
}

SRError config_set(void* c_client, const char* config_param, size_t config_param_length,
                   const char* value, size_t value_length, const char* address,
                   size_t address_length) {
    return guard("config_set", [&] {
        client(c_client).config_set(str(config_param, config_param_length, "config_param"),
                                    str(value, value_length, "value"),
                                    str(address, address_length, "address"));
    });
}

SRError flush_db(void* c_client, const char* address, size_t address_length) {
    return guard("flush_db",
                 [&] { client(c_client).flush_db(str(address, address_length, "address")); });
}

SRError save(void* c_client, const char* address, size_t address_length) {
    return guard("save", [&] { client(c_client).save(str(address, address_length, "address")); });
}

}  // extern "C"
