#include "launch/db/db_objects.h"
#include "launch/db/tls_files.h"

#include <insitu/client.h>
#include <insitu/config_options.h>
#include <insitu/launch_errors.h>

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <stdexcept>

#include "launch/db/db_command.h"
#include "launch/db/local_server.h"
#include "launch/os/log.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// "CPU", "GPU" or "GPU:<n>", with the peer's rules for devices_per_node / first_device.
void check_device(const std::string& what, std::string& device, int devices_per_node,
                  int first_device) {
    device = upper(device);
    bool gpu = device == "GPU" || (device.rfind("GPU:", 0) == 0 && device.size() > 4 &&
                                   device.find_first_not_of("0123456789", 4) == std::string::npos);
    if (device != "CPU" && !gpu)
        throw ConfigError(what + ": device must be CPU, GPU or GPU:<n>, not '" + device + "'");
    if (devices_per_node < 1 || first_device < 0)
        throw ConfigError(what + ": devices_per_node must be >= 1 and first_device >= 0");
    if (device == "CPU" && (devices_per_node > 1 || first_device > 0))
        throw ConfigError(what + ": device CPU takes devices_per_node 1 and first_device 0");
    if (device != "GPU" && gpu && (devices_per_node > 1 || first_device > 0))
        throw ConfigError(what + ": give device GPU (not " + device +
                          ") with devices_per_node / first_device");
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LaunchError("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// GPU with several devices: one copy per GPU (<name>.GPU:<i>); GPU with first_device k: GPU:k.
std::string single_device(const std::string& device, int first_device) {
    return device == "GPU" && first_device > 0 ? "GPU:" + std::to_string(first_device) : device;
}

// Manifest values: one per line, with backslash escapes for newline and backslash.
std::string escape(const std::string& v) {
    std::string o;
    for (char c : v) {
        if (c == '\\')
            o += "\\\\";
        else if (c == '\n')
            o += "\\n";
        else
            o += c;
    }
    return o;
}

std::string unescape(const std::string& v) {
    std::string o;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) {
            ++i;
            o += v[i] == 'n' ? '\n' : v[i];
        } else {
            o += v[i];
        }
    }
    return o;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw LaunchError("cannot write " + path);
}

}  // namespace

std::unique_ptr<Client> admin_client(const std::vector<std::string>& addresses, const DbAuth& auth,
                                     const std::string& logger_name) {
    auto cfg = ConfigOptions::create_empty();
    // A TLS-only database (auth.tls set) answers nothing in plaintext.
    cfg->override_string_option("SSDB", ssdb_value(addresses, auth.tls != nullptr));
    if (!auth.tls_ca.empty()) cfg->override_string_option("SR_TLS_CA_FILE", auth.tls_ca);
    cfg->override_string_option("SR_DB_TYPE", addresses.size() > 1 ? "Clustered" : "Standalone");
    cfg->override_integer_option("SR_CONN_TIMEOUT", 10);
    if (!auth.empty()) {
        cfg->override_string_option("SR_DB_USER", auth.user);
        cfg->override_string_option("SR_DB_PASSWORD", auth.password);
    }
    return std::make_unique<Client>(cfg.get(), logger_name);
}

std::string absolute_path(const std::string& path) {
    return fs::absolute(path).lexically_normal().string();
}

void check_db_model(const std::string& entity, DBModel& m) {
    if (m.name.empty()) throw ConfigError("model " + entity + ": an ML model needs a name");
    std::string what = "model " + entity + ", ML model " + m.name;
    m.backend = upper(m.backend);
    if (m.backend != "TORCH" && m.backend != "ONNX" && m.backend != "TFLITE" && m.backend != "TF")
        throw ConfigError(what + ": unknown backend '" + m.backend +
                          "' (TORCH, ONNX, TFLITE or TF)");
    if (m.model.empty() == m.model_path.empty())
        throw ConfigError(what + ": give exactly one of model (bytes) and model_path");
    check_device(what, m.device, m.devices_per_node, m.first_device);
    if (m.batch_size < 0 || m.min_batch_size < 0 || m.min_batch_timeout < 0)
        throw ConfigError(what + ": negative batch settings");
    if (m.backend == "TF" && (m.inputs.empty() || m.outputs.empty()))
        throw ConfigError(what + ": TF models need inputs and outputs");
}

void check_db_script(const std::string& entity, DBScript& s) {
    if (s.name.empty()) throw ConfigError("model " + entity + ": a script needs a name");
    std::string what = "model " + entity + ", script " + s.name;
    if (s.script.empty() == s.script_path.empty())
        throw ConfigError(what + ": give exactly one of script (source) and script_path");
    check_device(what, s.device, s.devices_per_node, s.first_device);
}

std::set<std::string> backends_needed(const std::vector<DBModel>& models,
                                      const std::vector<DBScript>& scripts) {
    std::set<std::string> out;
    for (const auto& m : models) out.insert(m.backend);
    if (!scripts.empty()) out.insert("TORCH");
    return out;
}

std::string backends_dir() {
    return (fs::path(module_path()).parent_path() / "backends").string();
}

std::string backend_plugin_file(const std::string& backend) {
    std::string lower = backend;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return "libinsitu_backend_" + lower + ".so";
}

void check_db_objects_ready(const Model& m) {
    for (const auto& x : m.db_models())
        if (!x.model_path.empty() && ::access(x.model_path.c_str(), R_OK) != 0)
            throw LaunchError("model " + m.name() + ", ML model " + x.name + ": model_path " +
                              x.model_path + " does not exist or is not readable");
    for (const auto& x : m.db_scripts())
        if (!x.script_path.empty() && ::access(x.script_path.c_str(), R_OK) != 0)
            throw LaunchError("model " + m.name() + ", script " + x.name + ": script_path " +
                              x.script_path + " does not exist or is not readable");
    auto needed = backends_needed(m.db_models(), m.db_scripts());
    if (needed.empty()) return;
    std::string dir = backends_dir();
    for (const auto& b : needed) {
        if (fs::exists(fs::path(dir) / backend_plugin_file(b))) continue;
        std::string who;
        for (const auto& x : m.db_models())
            if (x.backend == b) who += (who.empty() ? "" : ", ") + ("ML model " + x.name);
        if (who.empty()) who = "its scripts";
        throw LaunchError("model " + m.name() + ": " + who + " need" +
                          (who.find(',') == std::string::npos ? "s" : "") + " the " + b +
                          " backend, which is not built (no " + backend_plugin_file(b) + " in " +
                          dir + ")");
    }
}

void preload_backends(const std::vector<std::string>& addresses,
                      const std::set<std::string>& backends, const DbAuth& auth) {
    for (const auto& b : backends) {
        log_debug("loading backend " + b + " on " + std::to_string(addresses.size()) + " shard(s)");
        // Shards load in parallel; a framework like libtorch takes seconds to initialise.
        std::vector<std::future<std::optional<Reply>>> replies;
        for (const auto& a : addresses)
            replies.push_back(std::async(std::launch::async, [a, b, auth] {
                return db_command(a, {"AI.CONFIG", "LOADBACKEND", b, backend_plugin_file(b)},
                                  120000, auth);
            }));
        auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < replies.size(); ++i) {
            while (replies[i].wait_for(std::chrono::seconds(5)) != std::future_status::ready)
                log_info("loading backend " + b + " (" +
                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::steady_clock::now() - start)
                                            .count()) +
                         " s)...");
            auto r = replies[i].get();
            if (!r)
                throw LaunchError("loading backend " + b + " on " + addresses[i] +
                                  ": the database did not answer");
            if (r->is_error())
                throw LaunchError("loading backend " + b + " on " + addresses[i] + ": " + r->str);
        }
    }
}

void store_db_objects(const std::vector<std::string>& addresses, const std::string& entity,
                      const std::vector<DBModel>& models, const std::vector<DBScript>& scripts,
                      const DbAuth& auth) {
    if (models.empty() && scripts.empty()) return;
    auto client = admin_client(addresses, auth, "insitu-driver");
    for (const auto& m : models) {
        try {
            std::string bytes = m.model_path.empty() ? m.model : read_file(m.model_path);
            if (m.device == "GPU" && m.devices_per_node > 1)
                client->set_model_multigpu(m.name, bytes, m.backend, m.first_device,
                                           m.devices_per_node, m.batch_size, m.min_batch_size,
                                           m.min_batch_timeout, m.tag, m.inputs, m.outputs);
            else
                client->set_model(m.name, bytes, m.backend, single_device(m.device, m.first_device),
                                  m.batch_size, m.min_batch_size, m.min_batch_timeout, m.tag,
                                  m.inputs, m.outputs);
        } catch (const std::exception& e) {
            throw LaunchError("model " + entity + ": storing ML model " + m.name + " (" +
                              m.backend + (m.model_path.empty() ? "" : ", " + m.model_path) +
                              ") failed: " + e.what());
        }
        log_debug("stored ML model " + m.name + " for " + entity);
    }
    for (const auto& s : scripts) {
        try {
            std::string src = s.script_path.empty() ? s.script : read_file(s.script_path);
            if (s.device == "GPU" && s.devices_per_node > 1)
                client->set_script_multigpu(s.name, src, s.first_device, s.devices_per_node);
            else
                client->set_script(s.name, single_device(s.device, s.first_device), src);
        } catch (const std::exception& e) {
            throw LaunchError("model " + entity + ": storing script " + s.name +
                              (s.script_path.empty() ? "" : " (" + s.script_path + ")") +
                              " failed: " + e.what());
        }
        log_debug("stored script " + s.name + " for " + entity);
    }
}

void write_db_manifest(const Model& m, const std::string& path) {
    fs::path dir = fs::path(path).parent_path();
    fs::create_directories(dir);
    std::ostringstream out;
    out << "# insitu db objects for model " << m.name() << " (read by insitu run-colocated)\n";
    int n = 0;
    for (const auto& x : m.db_models()) {
        std::string file = x.model_path;
        if (file.empty()) {
            file = (dir / (m.name() + ".model." + std::to_string(n++) + ".bin")).string();
            write_bytes(file, x.model);
        }
        out << "[model]\nname=" << escape(x.name) << "\nbackend=" << x.backend
            << "\nfile=" << escape(file) << "\ndevice=" << x.device
            << "\ndevices_per_node=" << x.devices_per_node << "\nfirst_device=" << x.first_device
            << "\nbatch_size=" << x.batch_size << "\nmin_batch_size=" << x.min_batch_size
            << "\nmin_batch_timeout=" << x.min_batch_timeout << "\ntag=" << escape(x.tag) << "\n";
        for (const auto& i : x.inputs) out << "input=" << escape(i) << "\n";
        for (const auto& o : x.outputs) out << "output=" << escape(o) << "\n";
    }
    for (const auto& x : m.db_scripts()) {
        std::string file = x.script_path;
        if (file.empty()) {
            file = (dir / (m.name() + ".script." + std::to_string(n++) + ".txt")).string();
            write_bytes(file, x.script);
        }
        out << "[script]\nname=" << escape(x.name) << "\nfile=" << escape(file)
            << "\ndevice=" << x.device << "\ndevices_per_node=" << x.devices_per_node
            << "\nfirst_device=" << x.first_device << "\n";
    }
    write_bytes(path, out.str());
}

DBObjects read_db_manifest(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw LaunchError("cannot read the db objects manifest " + path);
    DBObjects o;
    enum { none, model, script } section = none;
    int lineno = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineno;
        if (line.empty() || line[0] == '#') continue;
        if (line == "[model]") {
            o.models.emplace_back();
            section = model;
            continue;
        }
        if (line == "[script]") {
            o.scripts.emplace_back();
            section = script;
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos || section == none)
            throw LaunchError(path + ":" + std::to_string(lineno) + ": malformed line");
        std::string k = line.substr(0, eq), v = unescape(line.substr(eq + 1));
        auto num = [&] { return std::stoi(v); };
        if (section == model) {
            auto& m = o.models.back();
            if (k == "name")
                m.name = v;
            else if (k == "backend")
                m.backend = v;
            else if (k == "file")
                m.model_path = v;
            else if (k == "device")
                m.device = v;
            else if (k == "devices_per_node")
                m.devices_per_node = num();
            else if (k == "first_device")
                m.first_device = num();
            else if (k == "batch_size")
                m.batch_size = num();
            else if (k == "min_batch_size")
                m.min_batch_size = num();
            else if (k == "min_batch_timeout")
                m.min_batch_timeout = num();
            else if (k == "tag")
                m.tag = v;
            else if (k == "input")
                m.inputs.push_back(v);
            else if (k == "output")
                m.outputs.push_back(v);
            else
                throw LaunchError(path + ":" + std::to_string(lineno) + ": unknown key " + k);
        } else {
            auto& s = o.scripts.back();
            if (k == "name")
                s.name = v;
            else if (k == "file")
                s.script_path = v;
            else if (k == "device")
                s.device = v;
            else if (k == "devices_per_node")
                s.devices_per_node = num();
            else if (k == "first_device")
                s.first_device = num();
            else
                throw LaunchError(path + ":" + std::to_string(lineno) + ": unknown key " + k);
        }
    }
    return o;
}

}  // namespace insitu::launch
