// Scripts: AI.SCRIPTSET / AI.SCRIPTGET / AI.SCRIPTDEL like SmartRedis 0.6.1, on every shard of a
// cluster under "{P}.<name>".
#include "client/client_impl.h"

#include <fstream>
#include <sstream>

#include "client/model_checks.h"
#include "client/server_errors.h"
#include "core/shard_prefix.h"

namespace insitu {
namespace {

using client::Connection;
using client::LogLevel;

std::string read_source(const std::string& path, const char* call) {
    if (path.empty()) throw ParameterException(std::string(call) + ": the file name is empty");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ParameterException(std::string(call) + ": cannot open '" + path + "'");
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

void store_script(Client::Impl& impl, const char* call, const std::string& name,
                  const std::string& key, const std::string& device, std::string_view source) {
    client::check_device(device, call);
    if (source.empty()) throw ParameterException(std::string(call) + ": the script is empty");
    impl.log->debug(
        [&] { return std::string(call) + " " + core::printable_key(key) + " " + device; });
    for (const std::string& k : impl.every_shard_key(key)) {
        Reply r = impl.router->command_on_key_write(
            k, {"AI.SCRIPTSET", k, device, "SOURCE", source}, call);
        if (r.is_error())
            throw DatabaseException(std::string(call) + " '" + name + "' (key '" +
                                    core::printable_key(k) + "') failed: " + r.str);
    }
}

}  // namespace

void Client::set_script(const std::string& name, const std::string& device,
                        std::string_view script) {
    client::check_name(name, "set_script");
    store_script(*impl_, "set_script", name, impl_->prefix->put_model_key(name), device, script);
}

void Client::set_script_from_file(const std::string& name, const std::string& device,
                                  const std::string& script_file) {
    std::string source = read_source(script_file, "set_script_from_file");
    set_script(name, device, source);
}

void Client::set_script_multigpu(const std::string& name, std::string_view script, int first_gpu,
                                 int num_gpus) {
    client::check_name(name, "set_script_multigpu");
    client::check_gpus(first_gpu, num_gpus, "set_script_multigpu");
    const std::string key = impl_->prefix->put_model_key(name);
    for (int gpu = first_gpu; gpu < first_gpu + num_gpus; ++gpu) {
        const std::string dev = "GPU:" + std::to_string(gpu);
        store_script(*impl_, "set_script_multigpu", name, key + "." + dev, dev, script);
    }
    store_script(*impl_, "set_script_multigpu", name, key, "GPU", script);
}

void Client::set_script_from_file_multigpu(const std::string& name, const std::string& script_file,
                                           int first_gpu, int num_gpus) {
    std::string source = read_source(script_file, "set_script_from_file_multigpu");
    set_script_multigpu(name, source, first_gpu, num_gpus);
}

std::string_view Client::get_script(const std::string& name) {
    client::check_name(name, "get_script");
    const std::string key = impl_->first_shard_key(impl_->prefix->get_model_key(name));
    Reply r = impl_->router->command_on_key(key, {"AI.SCRIPTGET", key, "SOURCE"});
    if (r.is_error()) {
        if (client::classify_error(r.str) == client::ServerError::missing_key)
            throw KeyException("get_script: script '" + name + "' does not exist");
        throw DatabaseException("get_script '" + name + "' failed: " + r.str);
    }
    if (r.type != Reply::Type::bulk)
        throw DatabaseException("get_script '" + name + "': unexpected reply " + to_display(r));
    impl_->owned_blobs.push_back(std::make_unique<std::string>(std::move(r.str)));
    return *impl_->owned_blobs.back();
}

void Client::delete_script(const std::string& name) {
    client::check_name(name, "delete_script");
    impl_->delete_on_every_shard("delete_script", "AI.SCRIPTDEL", name,
                                 impl_->prefix->get_model_key(name));
}

void Client::delete_script_multigpu(const std::string& name, int first_gpu, int num_gpus) {
    client::check_name(name, "delete_script_multigpu");
    client::check_gpus(first_gpu, num_gpus, "delete_script_multigpu");
    const std::string key = impl_->prefix->get_model_key(name);
    for (int gpu = first_gpu; gpu < first_gpu + num_gpus; ++gpu) {
        const std::string suffix = ".GPU:" + std::to_string(gpu);
        impl_->delete_on_every_shard("delete_script_multigpu", "AI.SCRIPTDEL", name + suffix,
                                     key + suffix);
    }
    impl_->delete_on_every_shard("delete_script_multigpu", "AI.SCRIPTDEL", name, key);
}

}  // namespace insitu
