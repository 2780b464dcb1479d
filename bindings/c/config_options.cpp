// C API: ConfigOptions handles.
#include "handles.h"

using namespace insitu;
using namespace insitu::capi;

extern "C" {

SRError create_configoptions_from_environment(const char* db_suffix, size_t db_suffix_length,
                                              void** new_configoptions) {
    return guard("create_configoptions_from_environment", [&] {
        void** o = out(new_configoptions, "new_configoptions");
        auto h = std::make_unique<ConfigHandle>();
        h->options =
            ConfigOptions::create_from_environment(str(db_suffix, db_suffix_length, "db_suffix"));
        *o = h.release();
    });
}

SRError DeleteConfigOptions(void** configoptions) {
    return guard("DeleteConfigOptions", [&] {
        if (configoptions == nullptr || *configoptions == nullptr) return;
        ConfigHandle* h = &handle<ConfigHandle>(*configoptions, Tag::config, "ConfigOptions");
        h->tag = Tag{};  // a stale copy of the handle is then rejected, not used
        delete h;
        *configoptions = nullptr;
    });
}

SRError get_integer_option(void* configoptions, const char* option_name, size_t option_name_len,
                           int64_t* option_result) {
    return guard("get_integer_option", [&] {
        int64_t* o = out(option_result, "option_result");
        *o = config(configoptions)
                 .get_integer_option(str(option_name, option_name_len, "option_name"));
    });
}

SRError get_string_option(void* configoptions, const char* option_name, size_t option_name_len,
                          char** option_result, size_t* option_result_len) {
    return guard("get_string_option", [&] {
        char** o = out(option_result, "option_result");
        size_t* n = out(option_result_len, "option_result_len");
        std::string v = config(configoptions)
                            .get_string_option(str(option_name, option_name_len, "option_name"));
        *o = malloc_copy(v);
        *n = v.size();
    });
}

SRError is_configured(void* configoptions, const char* option_name, size_t option_name_len,
                      bool* cfg_result) {
    return guard("is_configured", [&] {
        bool* o = out(cfg_result, "cfg_result");
        *o = config(configoptions).is_configured(str(option_name, option_name_len, "option_name"));
    });
}

SRError override_integer_option(void* configoptions, const char* option_name,
                                size_t option_name_len, int64_t value) {
    return guard("override_integer_option", [&] {
        config(configoptions)
            .override_integer_option(str(option_name, option_name_len, "option_name"), value);
    });
}

SRError override_string_option(void* configoptions, const char* option_name, size_t option_name_len,
                               const char* value, size_t value_length) {
    return guard("override_string_option", [&] {
        config(configoptions)
            .override_string_option(str(option_name, option_name_len, "option_name"),
                                    str(value, value_length, "value"));
    });
}

}  // extern "C"
