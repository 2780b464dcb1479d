// Model and Ensemble: descriptions and their validation (launching is the Experiment's job).
#include <insitu/entity.h>
#include <insitu/launch_errors.h>

#include <cctype>
#include <stdexcept>

#include "launch/db/acl_users.h"
#include "launch/db/db_objects.h"

namespace insitu {

Model::Model(std::string name, RunSettings run_settings, std::map<std::string, std::string> params,
             std::string path, bool enable_key_prefixing)
    : Entity(std::move(name), std::move(path)),
      run_settings_(std::move(run_settings)),
      params_(std::move(params)),
      key_prefixing_(enable_key_prefixing) {
    if (name_.empty()) throw ConfigError("a model needs a name");
    if (run_settings_.exe.empty()) throw ConfigError("model " + name_ + ": no executable");
}

void Model::register_incoming_entity(const Entity& other) {
    for (const auto& n : incoming_)
        if (n == other.name()) return;
    incoming_.push_back(other.name());
}

void Model::attach_generator_files(std::vector<std::string> to_copy,
                                   std::vector<std::string> to_symlink,
                                   std::vector<std::string> to_configure) {
    auto add = [](std::vector<std::string>& dst, std::vector<std::string>& src) {
        dst.insert(dst.end(), src.begin(), src.end());
    };
    add(files_.to_copy, to_copy);
    add(files_.to_symlink, to_symlink);
    add(files_.to_configure, to_configure);
}

void Model::set_db_role(const std::string& role) {
    if (!launch::is_acl_user(role))
        throw ConfigError("model " + name_ + ": db role must be app, reader or admin; got '" +
                          role + "'");
    db_role_ = role;
}

void Model::colocate(ColocatedSettings s) {
    if (colocated_) throw LaunchError("model " + name_ + " already has a co-located database");
    if (s.db_cpus < 1) throw ConfigError("colocated db_cpus must be >= 1");
    if (s.custom_pinning)
        for (int c : *s.custom_pinning)
            if (c < 0) throw ConfigError("colocated custom_pinning: negative CPU id");
    colocated_ = std::move(s);
}

void Model::colocate_db_tcp(int port, std::string ifname, int db_cpus,
                            std::optional<std::vector<int>> custom_pinning, bool debug,
                            bool limit_app_cpus, std::string db_identifier,
                            std::map<std::string, std::string> db_args, bool insecure) {
    if (port <= 0 || port > 65535) throw ConfigError("colocated port out of range");
    ColocatedSettings s;
    s.port = port;
    s.ifname = std::move(ifname);
    s.db_cpus = db_cpus;
    s.custom_pinning = std::move(custom_pinning);
    s.debug = debug;
    s.limit_app_cpus = limit_app_cpus;
    s.db_identifier = std::move(db_identifier);
    s.db_args = std::move(db_args);
    s.insecure = insecure;
    colocate(std::move(s));
}

void Model::colocate_db_uds(std::string unix_socket, int socket_permissions, int db_cpus,
                            std::optional<std::vector<int>> custom_pinning, bool debug,
                            bool limit_app_cpus, std::string db_identifier,
                            std::map<std::string, std::string> db_args, bool insecure) {
    // The same character set as the peer: the path goes through a shell-free argv, but the
    // server's config parser and SSDB parsing must not see separators. "%h" (the node's name,
    // expanded on the node) is the one addition.
    if (unix_socket.empty() || unix_socket.size() > 100)
        throw ConfigError("colocated unix_socket: empty or longer than 100 characters");
    std::string checked;
    for (std::size_t i = 0; i < unix_socket.size(); ++i) {
        if (unix_socket.compare(i, 2, "%h") == 0) ++i;
        checked += unix_socket[i];
    }
    for (char c : checked)
        if (!(std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("._:,-/").find(c) != std::string_view::npos))
            throw ConfigError(
                "colocated unix_socket has a character outside "
                "[A-Za-z0-9._:,-/]: " +
                unix_socket);
    for (char c : std::to_string(socket_permissions))
        if (c < '0' || c > '7')
            throw ConfigError("socket_permissions must be octal digits (e.g. 755)");
    ColocatedSettings s;
    s.port = 0;
    s.unix_socket = std::move(unix_socket);
    s.socket_permissions = socket_permissions;
    s.db_cpus = db_cpus;
    s.custom_pinning = std::move(custom_pinning);
    s.debug = debug;
    s.limit_app_cpus = limit_app_cpus;
    s.db_identifier = std::move(db_identifier);
    s.db_args = std::move(db_args);
    s.insecure = insecure;
    colocate(std::move(s));
}

void Model::add_ml_model(std::string name, std::string backend, std::string model,
                         std::string model_path, std::string device, int devices_per_node,
                         int first_device, int batch_size, int min_batch_size,
                         int min_batch_timeout, std::string tag, std::vector<std::string> inputs,
                         std::vector<std::string> outputs) {
    DBModel m;
    m.name = std::move(name);
    m.backend = std::move(backend);
    m.model = std::move(model);
    m.model_path = std::move(model_path);
    m.device = std::move(device);
    m.devices_per_node = devices_per_node;
    m.first_device = first_device;
    m.batch_size = batch_size;
    m.min_batch_size = min_batch_size;
    m.min_batch_timeout = min_batch_timeout;
    m.tag = std::move(tag);
    m.inputs = std::move(inputs);
    m.outputs = std::move(outputs);
    add_ml_model(std::move(m));
}

void Model::add_ml_model(DBModel m) {
    launch::check_db_model(name_, m);
    for (const auto& o : db_models_)
        if (o.name == m.name)
            throw EntityExistsError("model " + name_ + " already has an ML model named " + m.name);
    if (!m.model_path.empty()) m.model_path = launch::absolute_path(m.model_path);
    db_models_.push_back(std::move(m));
}

void Model::add_script(std::string name, std::string script, std::string script_path,
                       std::string device, int devices_per_node, int first_device) {
    DBScript s;
    s.name = std::move(name);
    s.script = std::move(script);
    s.script_path = std::move(script_path);
    s.device = std::move(device);
    s.devices_per_node = devices_per_node;
    s.first_device = first_device;
    add_script(std::move(s));
}

void Model::add_function(std::string name, std::string function, std::string device,
                         int devices_per_node, int first_device) {
    if (function.empty())
        throw ConfigError("model " + name_ + ": function " + name + " has no source");
    add_script(std::move(name), std::move(function), "", std::move(device), devices_per_node,
               first_device);
}

void Model::add_script(DBScript s) {
    launch::check_db_script(name_, s);
    for (const auto& o : db_scripts_)
        if (o.name == s.name)
            throw EntityExistsError("model " + name_ + " already has a script named " + s.name);
    if (!s.script_path.empty()) s.script_path = launch::absolute_path(s.script_path);
    db_scripts_.push_back(std::move(s));
}

void Model::params_to_args() {
    for (const auto& name : params_as_args_) {
        auto it = params_.find(name);
        if (it == params_.end())
            throw ConfigError("model " + name_ + ": param '" + name +
                              "' of params_as_args is not among its params");
        const std::string& v = it->second;
        if (name.rfind("--", 0) == 0) {
            run_settings_.exe_args.push_back(name + "=" + v);
        } else if (name.rfind("-", 0) == 0) {
            run_settings_.exe_args.push_back(name);
            run_settings_.exe_args.push_back(v);
        } else if (name.size() == 1) {
            run_settings_.exe_args.push_back("-" + name);
            run_settings_.exe_args.push_back(v);
        } else {
            run_settings_.exe_args.push_back("--" + name + "=" + v);
        }
    }
}

void Ensemble::add_ml_model(const DBModel& model) {
    DBModel m = model;
    launch::check_db_model(name_, m);
    if (!m.model_path.empty()) m.model_path = launch::absolute_path(m.model_path);
    for (const auto& o : db_models_)
        if (o.name == m.name)
            throw EntityExistsError("ensemble " + name_ + " already has an ML model named " +
                                    m.name);
    for (auto& member : models_) member->add_ml_model(m);
    db_models_.push_back(m);
}

void Ensemble::add_script(const DBScript& script) {
    DBScript s = script;
    launch::check_db_script(name_, s);
    if (!s.script_path.empty()) s.script_path = launch::absolute_path(s.script_path);
    for (const auto& o : db_scripts_)
        if (o.name == s.name)
            throw EntityExistsError("ensemble " + name_ + " already has a script named " + s.name);
    for (auto& member : models_) member->add_script(s);
    db_scripts_.push_back(s);
}

void Ensemble::add_function(std::string name, std::string function, std::string device,
                            int devices_per_node, int first_device) {
    if (function.empty())
        throw ConfigError("ensemble " + name_ + ": function " + name + " has no source");
    DBScript s;
    s.name = std::move(name);
    s.script = std::move(function);
    s.device = std::move(device);
    s.devices_per_node = devices_per_node;
    s.first_device = first_device;
    add_script(s);
}

void Ensemble::add_model(std::shared_ptr<Model> model) {
    for (const auto& m : models_)
        if (m->name() == model->name())
            throw EntityExistsError("ensemble " + name_ + " already has a member " + model->name());
    // The ensemble's models and scripts go to the new member too (unless it has its own copy).
    for (const auto& d : db_models_) {
        bool has = false;
        for (const auto& o : model->db_models()) has = has || o.name == d.name;
        if (!has) model->add_ml_model(d);
    }
    for (const auto& d : db_scripts_) {
        bool has = false;
        for (const auto& o : model->db_scripts()) has = has || o.name == d.name;
        if (!has) model->add_script(d);
    }
    if (key_prefixing_) model->enable_key_prefixing();
    if (batch_settings_ && !model->batch_settings()) model->set_batch_settings(*batch_settings_);
    models_.push_back(std::move(model));
}

void Ensemble::set_batch_settings(BatchSettings bs) {
    for (auto& m : models_) m->set_batch_settings(bs);
    batch_settings_ = std::move(bs);
}

void Ensemble::enable_key_prefixing() {
    key_prefixing_ = true;
    for (auto& m : models_) m->enable_key_prefixing();
}

void Ensemble::disable_key_prefixing() {
    key_prefixing_ = false;
    for (auto& m : models_) m->disable_key_prefixing();
}

void Ensemble::register_incoming_entity(const Entity& other) {
    for (auto& m : models_) m->register_incoming_entity(other);
}

void Ensemble::attach_generator_files(std::vector<std::string> to_copy,
                                      std::vector<std::string> to_symlink,
                                      std::vector<std::string> to_configure) {
    for (auto& m : models_) m->attach_generator_files(to_copy, to_symlink, to_configure);
}

}  // namespace insitu
