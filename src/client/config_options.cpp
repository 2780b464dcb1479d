// ConfigOptions: code overrides first, then (for environment-backed options) the environment.
#include <insitu/config_options.h>
#include <insitu/errors.h>

#include <cstdlib>

#include "core/text.h"

namespace insitu {
namespace {

// The logging options are process-wide in the peer, so they never take the database suffix.
bool takes_suffix(const std::string& name) {
    return name != "SR_LOG_FILE" && name != "SR_LOG_LEVEL";
}

}  // namespace

std::unique_ptr<ConfigOptions> ConfigOptions::create_from_environment(
    const std::string& db_suffix) {
    return std::unique_ptr<ConfigOptions>(new ConfigOptions(true, db_suffix));
}

std::unique_ptr<ConfigOptions> ConfigOptions::create_empty() {
    return std::unique_ptr<ConfigOptions>(new ConfigOptions(false, ""));
}

std::optional<std::string> ConfigOptions::lookup(const std::string& name) const {
    if (auto it = overrides_.find(name); it != overrides_.end()) return it->second;
    if (!from_env_) return std::nullopt;
    std::string var = (!suffix_.empty() && takes_suffix(name)) ? name + "_" + suffix_ : name;
    const char* v = std::getenv(var.c_str());
    // An empty variable counts as unset: shells and launchers often export empty values.
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

std::int64_t ConfigOptions::get_integer_option(const std::string& name) const {
    auto v = lookup(name);
    if (!v) throw KeyException("configuration option " + name + " is not set");
    auto n = core::parse_ll(*v);
    if (!n) {
        throw ParameterException("configuration option " + name + " must be an integer, got '" +
                                 *v + "'");
    }
    return *n;
}

std::string ConfigOptions::get_string_option(const std::string& name) const {
    auto v = lookup(name);
    if (!v) throw KeyException("configuration option " + name + " is not set");
    return *v;
}

std::int64_t ConfigOptions::get_integer_option_or(const std::string& name,
                                                  std::int64_t fallback) const {
    return is_configured(name) ? get_integer_option(name) : fallback;
}

std::string ConfigOptions::get_string_option_or(const std::string& name,
                                                const std::string& fallback) const {
    auto v = lookup(name);
    return v ? *v : fallback;
}

bool ConfigOptions::is_configured(const std::string& name) const {
    return lookup(name).has_value();
}

void ConfigOptions::override_integer_option(const std::string& name, std::int64_t value) {
    overrides_[name] = std::to_string(value);
}

void ConfigOptions::override_string_option(const std::string& name, const std::string& value) {
    overrides_[name] = value;
}

}  // namespace insitu
