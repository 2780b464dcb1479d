#include "client/key_prefix.h"

#include <insitu/errors.h>

#include <algorithm>

namespace insitu::client {

KeyPrefixer::KeyPrefixer(const std::string& keyin, const std::string& keyout) : keyout_(keyout) {
    std::size_t start = 0;
    while (start <= keyin.size()) {
        std::size_t comma = keyin.find(',', start);
        if (comma == std::string::npos) comma = keyin.size();
        if (comma > start) keyin_.push_back(keyin.substr(start, comma - start));
        start = comma + 1;
    }
    if (!keyin_.empty()) active_ = keyin_.front();
}

void KeyPrefixer::set_data_source(const std::string& source) {
    if (std::find(keyin_.begin(), keyin_.end(), source) == keyin_.end()) {
        std::string list;
        for (const auto& k : keyin_) list += (list.empty() ? "" : ",") + k;
        throw ParameterException("data source '" + source +
                                 "' was not in SSKEYIN when the client was created (SSKEYIN='" +
                                 list + "')");
    }
    active_ = source;
}

std::string KeyPrefixer::put(const std::string& name, bool on) const {
    return (on && !keyout_.empty()) ? keyout_ + "." + name : name;
}

std::string KeyPrefixer::get(const std::string& name, bool on) const {
    return (on && !active_.empty()) ? active_ + "." + name : name;
}

}  // namespace insitu::client
