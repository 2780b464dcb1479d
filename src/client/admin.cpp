// Per-node administration calls and raw commands.
#include "client/client_impl.h"

#include "client/server_errors.h"
#include "core/shard_prefix.h"
#include "core/text.h"

namespace insitu {
namespace {

using client::LogLevel;

Reply checked(Reply r, const std::string& what, const std::string& address) {
    if (r.is_error()) throw DatabaseException(what + " on " + address + " failed: " + r.str);
    return r;
}

// "key:value" lines; "# Section" lines start a section (INFO) and are ignored by CLUSTER INFO.
template <typename OnSection, typename OnField>
void parse_info_text(std::string_view text, OnSection&& on_section, OnField&& on_field) {
    std::string section;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        if (line.front() == '#') {
            line.remove_prefix(1);
            while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
            section = std::string(line);
            on_section(section);  // an empty section (e.g. Keyspace) still shows up
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        on_field(section, std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
}

}  // namespace

std::unordered_map<std::string, std::unordered_map<std::string, std::string>>
Client::get_db_node_info(const std::string& address) {
    impl_->log->debug([&] { return "get_db_node_info " + address; });
    Reply r = checked(impl_->router->command_on_node(address, {"INFO", "EVERYTHING"}),
                      "INFO EVERYTHING", address);
    std::unordered_map<std::string, std::unordered_map<std::string, std::string>> out;
    parse_info_text(
        r.str, [&](const std::string& section) { out[section]; },
        [&](const std::string& section, std::string key, std::string value) {
            out[section][std::move(key)] = std::move(value);
        });
    return out;
}

std::unordered_map<std::string, std::string> Client::get_db_cluster_info(
    const std::string& address) {
    if (!is_cluster())
        throw RuntimeException(
            "get_db_cluster_info needs a clustered database; this client is "
            "connected to a standalone one");
    impl_->log->debug([&] { return "get_db_cluster_info " + address; });
    Reply r = checked(impl_->router->command_on_node(address, {"CLUSTER", "INFO"}), "CLUSTER INFO",
                      address);
    std::unordered_map<std::string, std::string> out;
    parse_info_text(
        r.str, [](const std::string&) {},
        [&](const std::string&, std::string key, std::string value) {
            out[std::move(key)] = std::move(value);
        });
    return out;
}

void Client::flush_db(const std::string& address) {
    impl_->log->debug([&] { return "flush_db " + address; });
    checked(impl_->router->command_on_node(address, {"FLUSHDB"}), "FLUSHDB", address);
}

std::unordered_map<std::string, std::string> Client::config_get(const std::string& expression,
                                                                const std::string& address) {
    impl_->log->debug([&] { return "config_get " + expression + " " + address; });
    Reply r = checked(impl_->router->command_on_node(address, {"CONFIG", "GET", expression}),
                      "CONFIG GET", address);
    std::unordered_map<std::string, std::string> out;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        out[r.elements[i].str] = r.elements[i + 1].str;
    return out;
}

void Client::config_set(const std::string& config_param, const std::string& value,
                        const std::string& address) {
    impl_->log->debug([&] { return "config_set " + config_param + " " + address; });
    checked(impl_->router->command_on_node(address, {"CONFIG", "SET", config_param, value}),
            "CONFIG SET " + config_param, address);
}

void Client::save(const std::string& address) {
    impl_->log->debug([&] { return "save " + address; });
    checked(impl_->router->command_on_node(address, {"SAVE"}), "SAVE", address);
}

std::unordered_map<std::string, std::string> Client::get_ai_info(const std::string& address,
                                                                 const std::string& key,
                                                                 bool reset_stat) {
    if (key.empty()) throw ParameterException("get_ai_info: the key must not be empty");
    auto& router = *impl_->router;
    const std::string node = router.resolve_node(address);
    std::string k = impl_->prefix->get_model_key(key);
    if (router.is_cluster()) {
        // The copy stored on that node (its statistics are the node's own).
        for (const auto& s : router.shards())
            if (s.address == node)
                k = core::shard_prefixed_key(impl_->prefix_for_slot(s.first_slot), k);
    }
    impl_->log->debug([&] { return "get_ai_info " + core::printable_key(k) + " on " + node; });
    std::vector<std::string_view> args{"AI.INFO", k};
    if (reset_stat) args.push_back("RESETSTAT");
    Reply r = router.command_on_node(node, args);
    if (r.is_error()) {
        if (client::classify_error(r.str) == client::ServerError::no_run_info)
            throw KeyException("get_ai_info: no model or script '" + key + "' on " + node);
        throw DatabaseException("AI.INFO on " + node + " failed: " + r.str);
    }
    std::unordered_map<std::string, std::string> out;
    if (reset_stat) return out;
    if ((r.type != Reply::Type::array && r.type != Reply::Type::map) || r.elements.size() % 2)
        throw DatabaseException("AI.INFO on " + node + ": unexpected reply " + to_display(r));
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        const Reply& v = r.elements[i + 1];
        std::string value = v.type == Reply::Type::integer ? std::to_string(v.integer) : v.str;
        // "{P}.name" -> "name": callers asked about "name".
        if (router.is_cluster() && !value.empty() && value[0] == '{') {
            auto close = value.find('}');
            if (close != std::string::npos && close + 1 < value.size() && value[close + 1] == '.')
                value.erase(0, close + 2);
        }
        out[r.elements[i].str] = std::move(value);
    }
    return out;
}

Reply Client::run_command(const std::vector<std::string>& args, int key_index) {
    if (args.empty()) throw ParameterException("run_command: no command given");
    std::vector<std::string_view> views(args.begin(), args.end());
    impl_->log->log(LogLevel::Developer, "run_command " + args[0]);
    if (key_index >= 1 && static_cast<std::size_t>(key_index) < args.size())
        return impl_->router->command_on_key(args[static_cast<std::size_t>(key_index)], views);
    return impl_->router->command_on_any(views);
}

Reply Client::run_command_on(const std::string& address, const std::vector<std::string>& args) {
    if (args.empty()) throw ParameterException("run_command_on: no command given");
    std::vector<std::string_view> views(args.begin(), args.end());
    impl_->log->log(LogLevel::Developer, "run_command_on " + address + " " + args[0]);
    return impl_->router->command_on_node(address, views);
}

}  // namespace insitu
