// Client configuration: read lazily from the environment (optionally with a "_<suffix>" for a
// named database, e.g. SSDB_INPUT), or overridden in code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace insitu {

class ConfigOptions {
  public:
    // Options from the environment. With a suffix, "<NAME>_<suffix>" is read for every option
    // except SR_LOG_FILE and SR_LOG_LEVEL.
    static std::unique_ptr<ConfigOptions> create_from_environment(
        const std::string& db_suffix = "");
    // Options set only in code (nothing read from the environment).
    static std::unique_ptr<ConfigOptions> create_empty();

    // Throw KeyException when the option is not set, ParameterException when it is malformed.
    std::int64_t get_integer_option(const std::string& name) const;
    std::string get_string_option(const std::string& name) const;
    std::int64_t get_integer_option_or(const std::string& name, std::int64_t fallback) const;
    std::string get_string_option_or(const std::string& name, const std::string& fallback) const;
    bool is_configured(const std::string& name) const;

    void override_integer_option(const std::string& name, std::int64_t value);
    void override_string_option(const std::string& name, const std::string& value);

    const std::string& db_suffix() const { return suffix_; }

  private:
    ConfigOptions(bool from_env, std::string suffix)
        : from_env_(from_env), suffix_(std::move(suffix)) {}
    std::optional<std::string> lookup(const std::string& name) const;

    bool from_env_;
    std::string suffix_;
    std::map<std::string, std::string> overrides_;
};

}  // namespace insitu
