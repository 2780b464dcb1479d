// Ensemble key prefixing (SSKEYIN / SSKEYOUT), with the peer's rules: "<prefix>." is put in
// front of keys written (SSKEYOUT) or read (the active SSKEYIN entry), per key category.
#pragma once

#include <string>
#include <vector>

namespace insitu::client {

class KeyPrefixer {
  public:
    // `keyin` is SSKEYIN's comma list (its first entry is the active source); `keyout` SSKEYOUT.
    KeyPrefixer(const std::string& keyin, const std::string& keyout);

    // Accepts only a value that was in SSKEYIN; throws ParameterException otherwise.
    void set_data_source(const std::string& source);

    bool use_tensor = true, use_dataset = true, use_list = true, use_model = false;

    std::string put_tensor_key(const std::string& name) const { return put(name, use_tensor); }
    std::string get_tensor_key(const std::string& name) const { return get(name, use_tensor); }
    // "<prefix>.{name}": the bare dataset name is the hash tag, so all of a dataset shares a slot.
    std::string put_dataset_key(const std::string& name) const {
        return put("{" + name + "}", use_dataset);
    }
    std::string get_dataset_key(const std::string& name) const {
        return get("{" + name + "}", use_dataset);
    }
    std::string put_list_key(const std::string& name) const { return put(name, use_list); }
    std::string get_list_key(const std::string& name) const { return get(name, use_list); }
    std::string put_model_key(const std::string& name) const { return put(name, use_model); }
    std::string get_model_key(const std::string& name) const { return get(name, use_model); }

    const std::string& data_source() const { return active_; }
    const std::string& output_prefix() const { return keyout_; }
    const std::vector<std::string>& sources() const { return keyin_; }

  private:
    std::string put(const std::string& name, bool on) const;
    std::string get(const std::string& name, bool on) const;

    std::vector<std::string> keyin_;
    std::string active_, keyout_;
};

}  // namespace insitu::client
