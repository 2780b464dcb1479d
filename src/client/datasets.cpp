// DataSets in SmartRedis 0.6.1's layout. With D = "<prefix>.{name}":
//   D.meta      hash: one packed field per metadata field, ".tensor_names", and ".COMPLETE" = "1";
//   D.<tensor>  an AI tensor per dataset tensor.
// The bare name is the hash tag, so a dataset lives in one slot and each call is one pipeline on
// one shard. ".COMPLETE" is written only after every other write succeeded, and readers refuse a
// dataset without it, so a half-written dataset is never returned.
#include "client/client_impl.h"

#include <atomic>
#include <exception>
#include <map>
#include <thread>

#include "client/model_checks.h"
#include "client/tensor_io.h"
#include "core/hash_slot.h"
#include "core/layout.h"
#include "core/metadata_codec.h"
#include "resp/writer.h"

namespace insitu {
namespace {

using client::Connection;
using client::LogLevel;

constexpr std::string_view k_ack = ".COMPLETE";
constexpr std::string_view k_tensor_names = ".tensor_names";

// The dataset name inside a dataset key: between the first '{' and the last '}'.
std::string dataset_name_of(const std::string& key) {
    auto open = key.find('{');
    auto close = key.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close <= open + 1)
        throw DatabaseException("'" + key + "' is not a dataset key (no {name})");
    return key.substr(open + 1, close - open - 1);
}

bool is_redirect(const std::string& error) {
    try {
        client::check_retryable_error(error);
        return false;
    } catch (const client::Redirect&) {
        return true;
    } catch (const client::TransientError&) {
        return true;
    }
}

// Field/value pairs of an HGETALL reply.
std::vector<std::pair<std::string, std::string>> hash_pairs(Reply& r, const std::string& what) {
    if (r.type != Reply::Type::array && r.type != Reply::Type::map)
        throw DatabaseException(what + ": unexpected HGETALL reply " + to_display(r));
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        out.emplace_back(std::move(r.elements[i].str), std::move(r.elements[i + 1].str));
    return out;
}

// The dataset described by a meta hash, without its tensors; `names` gets its tensor names.
DataSet unpack_meta(const std::string& call, const std::string& name, Reply& meta,
                    std::vector<std::string>& names) {
    auto pairs = hash_pairs(meta, call);
    if (pairs.empty()) throw KeyException(call + ": dataset '" + name + "' does not exist");
    bool complete = false;
    for (const auto& [f, v] : pairs) complete = complete || f == k_ack;
    if (!complete)
        throw KeyException(call + ": dataset '" + name +
                           "' is not complete (no .COMPLETE: still being written, or its writer "
                           "failed)");
    DataSet ds(name);
    names.clear();
    for (const auto& [f, v] : pairs) {
        if (f == k_ack) continue;
        if (f == k_tensor_names) {
            try {
                auto field = core::decode_meta_field(v);
                if (field.type != core::MetaType::String)
                    throw core::MetaFormatError("not strings");
                names = std::move(field.strings);
            } catch (const core::MetaFormatError& e) {
                throw DatabaseException(call + ": dataset '" + name +
                                        "' has a malformed .tensor_names: " + e.what());
            }
            continue;
        }
        ds.add_packed_field(f, v);
    }
    return ds;
}

struct GroupResult {
    std::vector<std::optional<DataSet>> datasets;
    std::vector<std::size_t> deferred;  // positions to read again alone (redirected mid-way)
};

// Reads the datasets keys[idx...] (believed to be on the node of `c`) with two pipelines: every
// meta hash, then every tensor. Alone (`single`), redirections are thrown for the router, which
// retries; otherwise the datasets concerned are left in `deferred`.
GroupResult read_group_on(Connection& c, const std::vector<std::string>& keys,
                          const std::vector<std::size_t>& idx, bool single,
                          const std::string& call) {
    GroupResult res;
    res.datasets.resize(idx.size());
    std::size_t unread = 0;
    try {
        for (std::size_t i : idx) {
            c.send({"HGETALL", keys[i] + ".meta"});
            ++unread;
        }
        std::vector<Reply> metas;
        for (std::size_t j = 0; j < idx.size(); ++j, --unread) metas.push_back(c.read_reply());

        std::vector<std::vector<std::string>> names(idx.size());
        for (std::size_t j = 0; j < idx.size(); ++j) {
            const std::string name = dataset_name_of(keys[idx[j]]);
            if (metas[j].is_error()) {
                if (single) client::check_retryable_error(metas[j].str);
                if (is_redirect(metas[j].str)) {
                    res.deferred.push_back(j);
                    continue;
                }
                throw DatabaseException(call + ": reading dataset '" + name +
                                        "' failed: " + metas[j].str);
            }
            res.datasets[j] = unpack_meta(call, name, metas[j], names[j]);
        }

        struct Want {
            std::size_t j;
            const std::string* tensor;
            std::string key;
        };
        std::vector<Want> wants;
        for (std::size_t j = 0; j < idx.size(); ++j) {
            if (!res.datasets[j]) continue;
            for (const auto& t : names[j]) {
                wants.push_back({j, &t, keys[idx[j]] + "." + t});
                c.send({"AI.TENSORGET", wants.back().key, "META", "BLOB"});
                ++unread;
            }
        }
        std::string failure;  // first error, thrown once every reply has been read
        bool missing = false;
        // Alone, a redirection goes to the router, which resends on this connection: every
        // reply must have been read first.
        std::exception_ptr redirected;
        auto defer = [&](std::size_t j) {
            if (single) {
                if (!redirected) redirected = std::current_exception();
            } else if (res.datasets[j]) {
                res.deferred.push_back(j);
                res.datasets[j].reset();
            }
        };
        for (const Want& w : wants) {
            client::TensorMeta m;
            try {
                m = client::read_tensorget_head(c, w.key, *w.tensor, call.c_str());
            } catch (const KeyException& e) {
                --unread;
                if (failure.empty()) failure = e.what(), missing = true;
                continue;
            } catch (const client::Redirect&) {
                --unread;
                defer(w.j);
                continue;
            } catch (const client::TransientError&) {
                --unread;
                defer(w.j);
                continue;
            }
            const std::size_t elem = element_size(m.type);
            if (elem == 0 || core::element_count(m.dims) * elem != m.blob_size) {
                client::discard_blob(c, m.blob_size);
                --unread;
                if (failure.empty())
                    failure = call + ": tensor '" + *w.tensor + "' of dataset '" +
                              dataset_name_of(w.key) + "' has dtype " + m.type_name + " and " +
                              std::to_string(m.blob_size) + " bytes for shape " +
                              client::dims_text(m.dims);
                continue;
            }
            std::vector<unsigned char> data(m.blob_size);
            client::read_blob(c, data.data(), m.blob_size);
            --unread;
            if (res.datasets[w.j])
                res.datasets[w.j]->adopt_tensor(*w.tensor, m.type, m.dims, std::move(data));
        }
        if (redirected) std::rethrow_exception(redirected);
        if (!failure.empty()) {
            if (missing) throw KeyException(failure);
            throw DatabaseException(failure);
        }
    } catch (...) {
        if (unread > 0) c.mark_out_of_step();
        throw;
    }
    return res;
}

GroupResult read_group(Client::Impl& impl, const std::vector<std::string>& keys,
                       const std::vector<std::size_t>& idx, bool single, const std::string& call) {
    GroupResult res;
    impl.router->on_key_read(keys[idx[0]] + ".meta", [&](Connection& c) {
        res = read_group_on(c, keys, idx, single, call);
    });
    return res;
}

using Groups = std::vector<std::pair<int, std::vector<std::size_t>>>;  // serving node's slot, keys

// Reads every group on its own leased connection, up to `threads` at a time. A group whose node
// could not be reached, or that met a redirection or a retryable error, is left undone for the
// router's retrying path; other errors (missing data) are rethrown, the first group's first.
void read_groups_in_parallel(Client::Impl& impl, const std::vector<std::string>& keys,
                             const Groups& groups, int threads, const std::string& call,
                             std::vector<GroupResult>& results, std::vector<unsigned char>& done) {
    const std::size_t n = groups.size();
    std::vector<client::Router::Lease> leases(n);
    for (std::size_t g = 0; g < n; ++g) {
        try {
            leases[g] = impl.router->lease_slot(core::hash_slot(keys[groups[g].second[0]]));
        } catch (const client::IoError&) {
            // left to the retrying path
        } catch (const DatabaseException&) {
        }
    }
    std::vector<std::exception_ptr> errors(n);
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t g = next++; g < n; g = next++) {
            if (!leases[g].conn) continue;
            try {
                results[g] = read_group_on(*leases[g].conn, keys, groups[g].second, false, call);
                done[g] = 1;
            } catch (...) {
                errors[g] = std::current_exception();
            }
        }
    };
    {
        std::vector<std::jthread> pool;
        const std::size_t extra = std::min<std::size_t>(n, static_cast<std::size_t>(threads)) - 1;
        for (std::size_t t = 0; t < extra; ++t) pool.emplace_back(work);
        work();
    }
    for (auto& lease : leases) impl.router->give_back(std::move(lease));
    if (impl.log->enabled(LogLevel::Developer)) {
        std::size_t read = 0;
        for (unsigned char d : done) read += d;
        impl.log->log(LogLevel::Developer, call + ": " + std::to_string(read) + " of " +
                                               std::to_string(n) + " shards read in parallel on " +
                                               std::to_string(std::min<std::size_t>(
                                                   n, static_cast<std::size_t>(threads))) +
                                               " threads");
    }
    for (std::size_t g = 0; g < n; ++g) {
        if (!errors[g]) continue;
        try {
            std::rethrow_exception(errors[g]);
        } catch (const client::IoError&) {
        } catch (const client::TransientError&) {
        } catch (const client::Redirect&) {
        }  // anything else propagates
    }
}

}  // namespace

std::vector<DataSet> Client::Impl::read_datasets(const std::vector<std::string>& keys,
                                                 const std::string& call) {
    std::vector<std::optional<DataSet>> out(keys.size());
    std::map<int, std::vector<std::size_t>> by_node;  // by serving node (its lowest slot)
    for (std::size_t i = 0; i < keys.size(); ++i)
        by_node[router->is_cluster() ? router->owner_first_slot(core::hash_slot(keys[i])) : 0]
            .push_back(i);
    const Groups groups(by_node.begin(), by_node.end());
    std::vector<GroupResult> results(groups.size());
    std::vector<unsigned char> done(groups.size(), 0);
    if (groups.size() > 1 && thread_count > 1)
        read_groups_in_parallel(*this, keys, groups, thread_count, call, results, done);
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto& idx = groups[g].second;
        if (!done[g]) results[g] = read_group(*this, keys, idx, idx.size() == 1, call);
        GroupResult& r = results[g];
        for (std::size_t j = 0; j < idx.size(); ++j)
            if (r.datasets[j]) out[idx[j]] = std::move(r.datasets[j]);
        for (std::size_t j : r.deferred) {
            GroupResult alone = read_group(*this, keys, {idx[j]}, true, call);
            out[idx[j]] = std::move(alone.datasets[0]);
        }
    }
    std::vector<DataSet> result;
    result.reserve(keys.size());
    for (auto& d : out) result.push_back(std::move(*d));
    return result;
}

void Client::put_dataset(const DataSet& dataset) {
    const std::string& name = dataset.get_name();
    client::check_name(name, "put_dataset");
    auto fields = dataset.packed_fields();
    if (fields.empty())
        throw ParameterException("put_dataset: dataset '" + name +
                                 "' has neither tensors nor metadata");
    const std::string key = impl_->prefix->put_dataset_key(name);
    const std::string meta = key + ".meta";
    impl_->log->debug([&] { return "put_dataset " + key; });

    std::vector<resp::CommandWriter> cmds(2 + dataset.tensors().size());
    cmds[0].begin(2);
    cmds[0].add("DEL");
    cmds[0].add(meta);
    cmds[1].begin(2 + 2 * fields.size());
    cmds[1].add("HSET");
    cmds[1].add(meta);
    for (const auto& [f, v] : fields) {
        cmds[1].add(f);
        cmds[1].add(v);
    }
    std::vector<std::string> tensor_keys;
    tensor_keys.reserve(dataset.tensors().size());
    for (std::size_t i = 0; i < dataset.tensors().size(); ++i) {
        const auto& t = dataset.tensors()[i];
        tensor_keys.push_back(key + "." + t.name);
        client::build_tensorset(
            cmds[2 + i], tensor_keys.back(), t.type, t.dims,
            std::string_view(reinterpret_cast<const char*>(t.data.data()), t.data.size()));
    }
    impl_->router->on_key_write(
        meta,
        [&](Connection& c) {
            std::size_t unread = 0;
            try {
                for (const auto& w : cmds) {
                    c.send(w);
                    ++unread;
                }
                std::string failure;
                for (; unread > 0; --unread) {
                    Reply r = c.read_reply();
                    if (r.is_error() && failure.empty()) failure = r.str;
                }
                if (!failure.empty()) {
                    client::check_retryable_error(failure);
                    throw DatabaseException("put_dataset '" + name + "' failed: " + failure);
                }
                // Only now: the dataset becomes visible once everything above is stored.
                Reply ack = c.command({"HSET", meta, k_ack, "1"});
                if (ack.is_error()) {
                    client::check_retryable_error(ack.str);
                    throw DatabaseException("put_dataset '" + name + "' failed: " + ack.str);
                }
            } catch (...) {
                if (unread > 0) c.mark_out_of_step();
                throw;
            }
        },
        "put_dataset '" + name + "'");
}

DataSet Client::get_dataset(const std::string& name) {
    client::check_name(name, "get_dataset");
    return std::move(
        impl_->read_datasets({impl_->prefix->get_dataset_key(name)}, "get_dataset").front());
}

void Client::copy_dataset(const std::string& src_name, const std::string& dest_name) {
    client::check_name(src_name, "copy_dataset");
    client::check_name(dest_name, "copy_dataset");
    if (impl_->prefix->get_dataset_key(src_name) == impl_->prefix->put_dataset_key(dest_name)) {
        if (!dataset_exists(src_name))
            throw KeyException("copy_dataset: dataset '" + src_name + "' does not exist");
        return;
    }
    DataSet ds =
        impl_->read_datasets({impl_->prefix->get_dataset_key(src_name)}, "copy_dataset").front();
    ds.set_name(dest_name);
    put_dataset(ds);
}

void Client::rename_dataset(const std::string& old_name, const std::string& new_name) {
    client::check_name(old_name, "rename_dataset");
    client::check_name(new_name, "rename_dataset");
    if (impl_->prefix->get_dataset_key(old_name) == impl_->prefix->put_dataset_key(new_name)) {
        if (!dataset_exists(old_name))
            throw KeyException("rename_dataset: dataset '" + old_name + "' does not exist");
        return;
    }
    copy_dataset(old_name, new_name);
    delete_dataset(old_name);
}

void Client::delete_dataset(const std::string& name) {
    client::check_name(name, "delete_dataset");
    const std::string key = impl_->prefix->get_dataset_key(name);
    const std::string meta = key + ".meta";
    Reply r = impl_->router->command_on_key(meta, {"HGETALL", meta});
    if (r.is_error()) throw DatabaseException("delete_dataset '" + name + "' failed: " + r.str);
    auto pairs = hash_pairs(r, "delete_dataset");
    if (pairs.empty())
        throw RuntimeException("delete_dataset: dataset '" + name + "' does not exist");
    // Everything named by the meta hash, complete or not (so half-written ones can be cleared).
    std::vector<std::string> keys{meta};
    for (const auto& [f, v] : pairs) {
        if (f != k_tensor_names) continue;
        try {
            for (auto& t : core::decode_meta_field(v).strings) keys.push_back(key + "." + t);
        } catch (const core::MetaFormatError&) {
            // The meta hash goes anyway; its tensors cannot be named.
        }
    }
    std::vector<std::string_view> del{"DEL"};
    del.insert(del.end(), keys.begin(), keys.end());
    Reply d = impl_->router->command_on_key_write(meta, del, "delete_dataset");
    if (d.is_error()) throw DatabaseException("delete_dataset '" + name + "' failed: " + d.str);
}

bool Client::dataset_exists(const std::string& name) {
    const std::string meta = impl_->prefix->get_dataset_key(name) + ".meta";
    Reply r = impl_->router->command_on_key_read(meta, {"HEXISTS", meta, k_ack});
    if (r.type != Reply::Type::integer)
        throw DatabaseException("dataset_exists '" + name + "' failed: " + to_display(r));
    return r.integer == 1;
}

bool Client::poll_dataset(const std::string& name, int poll_frequency_ms, int num_tries) {
    return impl_->wait_until(impl_->prefix->get_dataset_key(name) + ".meta", {"DATASET"},
                             poll_frequency_ms, num_tries, [&] { return dataset_exists(name); });
}

}  // namespace insitu
