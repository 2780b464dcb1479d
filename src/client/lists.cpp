// Aggregation lists: Redis lists of dataset keys ("<prefix>.{name}"), as SmartRedis 0.6.1 keeps
// them, read back with one pipeline per shard for all the datasets a range names.
#include "client/client_impl.h"

#include <functional>

#include "client/model_checks.h"

namespace insitu {
namespace {

using client::LogLevel;

long long integer_of(const Reply& r, const std::string& what) {
    if (r.type != Reply::Type::integer)
        throw DatabaseException(
            what + " failed: " + (r.is_error() ? r.str : "unexpected reply " + to_display(r)));
    return r.integer;
}

std::vector<std::string> entries_of(const Reply& r, const std::string& what) {
    if (r.type != Reply::Type::array)
        throw DatabaseException(
            what + " failed: " + (r.is_error() ? r.str : "unexpected reply " + to_display(r)));
    std::vector<std::string> out;
    for (const Reply& e : r.elements) {
        if (e.type != Reply::Type::bulk || e.str.empty())
            throw DatabaseException(what + ": the list holds an invalid entry " + to_display(e));
        out.push_back(e.str);
    }
    return out;
}

void check_length(int list_length, const char* call) {
    if (list_length < 0)
        throw ParameterException(std::string(call) + ": list_length must not be negative");
}

}  // namespace

void Client::append_to_list(const std::string& list_name, const DataSet& dataset) {
    client::check_name(list_name, "append_to_list");
    client::check_name(dataset.get_name(), "append_to_list");
    const std::string list = impl_->prefix->put_list_key(list_name);
    const std::string entry = impl_->prefix->put_dataset_key(dataset.get_name());
    impl_->log->debug([&] { return "append_to_list " + list + " " + entry; });
    integer_of(impl_->router->command_on_key_write(list, {"RPUSH", list, entry}, "append_to_list"),
               "append_to_list '" + list_name + "'");
}

void Client::delete_list(const std::string& list_name) {
    client::check_name(list_name, "delete_list");
    const std::string list = impl_->prefix->get_list_key(list_name);
    integer_of(impl_->router->command_on_key_write(list, {"DEL", list}, "delete_list"),
               "delete_list '" + list_name + "'");
}

void Client::copy_list(const std::string& src_name, const std::string& dest_name) {
    client::check_name(src_name, "copy_list");
    client::check_name(dest_name, "copy_list");
    const std::string src = impl_->prefix->get_list_key(src_name);
    const std::string dst = impl_->prefix->put_list_key(dest_name);
    if (src == dst) return;
    auto entries = entries_of(impl_->router->command_on_key(src, {"LRANGE", src, "0", "-1"}),
                              "copy_list '" + src_name + "'");
    if (entries.empty())
        throw KeyException("copy_list: list '" + src_name + "' does not exist or is empty");
    // The destination is replaced, not appended to (and the key deleted is the one written:
    // the peer deletes the read-prefixed name instead).
    integer_of(impl_->router->command_on_key_write(dst, {"DEL", dst}, "copy_list"),
               "copy_list '" + dest_name + "'");
    std::vector<std::string_view> push{"RPUSH", dst};
    push.insert(push.end(), entries.begin(), entries.end());
    integer_of(impl_->router->command_on_key_write(dst, push, "copy_list"),
               "copy_list '" + dest_name + "'");
}

void Client::rename_list(const std::string& src_name, const std::string& dest_name) {
    client::check_name(src_name, "rename_list");
    client::check_name(dest_name, "rename_list");
    if (impl_->prefix->get_list_key(src_name) == impl_->prefix->put_list_key(dest_name)) return;
    copy_list(src_name, dest_name);
    delete_list(src_name);
}

int Client::get_list_length(const std::string& list_name) {
    client::check_name(list_name, "get_list_length");
    const std::string list = impl_->prefix->get_list_key(list_name);
    long long n = integer_of(impl_->router->command_on_key(list, {"LLEN", list}),
                             "get_list_length '" + list_name + "'");
    return static_cast<int>(n);
}

bool Client::poll_list_length(const std::string& name, int list_length, int poll_frequency_ms,
                              int num_tries) {
    check_length(list_length, "poll_list_length");
    client::check_name(name, "poll_list_length");
    return impl_->wait_until(impl_->prefix->get_list_key(name),
                             {"LLEN_EQ", std::to_string(list_length)}, poll_frequency_ms, num_tries,
                             [&] { return get_list_length(name) == list_length; });
}

bool Client::poll_list_length_gte(const std::string& name, int list_length, int poll_frequency_ms,
                                  int num_tries) {
    check_length(list_length, "poll_list_length_gte");
    client::check_name(name, "poll_list_length_gte");
    return impl_->wait_until(impl_->prefix->get_list_key(name),
                             {"LLEN_GTE", std::to_string(list_length)}, poll_frequency_ms,
                             num_tries, [&] { return get_list_length(name) >= list_length; });
}

bool Client::poll_list_length_lte(const std::string& name, int list_length, int poll_frequency_ms,
                                  int num_tries) {
    check_length(list_length, "poll_list_length_lte");
    client::check_name(name, "poll_list_length_lte");
    return impl_->wait_until(impl_->prefix->get_list_key(name),
                             {"LLEN_LTE", std::to_string(list_length)}, poll_frequency_ms,
                             num_tries, [&] { return get_list_length(name) <= list_length; });
}

std::vector<DataSet> Client::get_datasets_from_list(const std::string& list_name) {
    return get_dataset_list_range(list_name, 0, -1);
}

std::vector<DataSet> Client::get_dataset_list_range(const std::string& list_name, int start_index,
                                                    int end_index) {
    client::check_name(list_name, "get_dataset_list_range");
    const std::string list = impl_->prefix->get_list_key(list_name);
    auto entries = entries_of(
        impl_->router->command_on_key(
            list, {"LRANGE", list, std::to_string(start_index), std::to_string(end_index)}),
        "get_dataset_list_range '" + list_name + "'");
    if (entries.empty()) return {};
    return impl_->read_datasets(entries, "get_dataset_list_range");
}

}  // namespace insitu
