// put_tensors / unpack_tensors: many tensors per round trip. The items are grouped by the shard
// that serves their key, and each group goes out in windows: a window's commands are all sent,
// then its replies are read in order. An item answered with a redirection or a transient error is
// redone alone through the router's retrying path; any other error is that item's failure.
#include <algorithm>
#include <map>

#include "client/client_impl.h"
#include "client/server_errors.h"
#include "client/tensor_checks.h"
#include "client/tensor_io.h"
#include "core/hash_slot.h"

namespace insitu {
namespace {

using client::Connection;

// A window ends after this many commands or bytes of tensor data, whichever comes first: enough
// to fill the round trips of small tensors, small enough that the server never holds many large
// replies for one client at once.
constexpr std::size_t k_window_items = 64;
constexpr std::size_t k_window_bytes = 8u << 20;

struct ItemOutcome {
    bool retry = false;  // redirected or transient: redo alone
    ErrorCode code = ErrorCode::None;
    std::string message;
};

bool needs_router(const std::string& error) {
    const auto kind = client::classify_error(error);
    return kind == client::ServerError::moved || kind == client::ServerError::ask ||
           client::is_transient(kind);
}

std::string describe(const std::vector<BatchFailure>& failures) {
    std::string out = std::to_string(failures.size()) + " item(s) of the batch failed:";
    for (const auto& f : failures)
        out += " [" + std::to_string(f.index) + "] '" + f.name + "': " + f.message + ";";
    out.pop_back();
    return out;
}

// Windows of `items` (indexes) grouped by the shard serving `key_of(i)`, in item order per shard.
template <class KeyOf, class BytesOf>
std::vector<std::vector<std::size_t>> windows(client::Router& router,
                                              const std::vector<std::size_t>& items, KeyOf key_of,
                                              BytesOf bytes_of) {
    std::map<int, std::vector<std::size_t>> by_shard;
    for (std::size_t i : items)
        by_shard[router.owner_first_slot(core::hash_slot(key_of(i)))].push_back(i);
    std::vector<std::vector<std::size_t>> out;
    for (const auto& [shard, list] : by_shard) {
        out.emplace_back();
        std::size_t bytes = 0;
        for (std::size_t i : list) {
            if (out.back().size() >= k_window_items || bytes >= k_window_bytes) {
                out.emplace_back();
                bytes = 0;
            }
            out.back().push_back(i);
            bytes += bytes_of(i);
        }
    }
    return out;
}

// Runs `window_fn(conn, window, outcomes)` for each window on the connection of its shard; an
// error of the whole window (the shard unreachable past SR_CMD_TIMEOUT, ...) fails its items and
// the rest of that shard's windows without trying them. Items to redo alone are returned.
// `write`: a window of writes (one WAIT after it with durable writes on; Router::on_key_write),
// else of reads (a replica may serve them; Router::on_key_read).
template <class WindowFn>
std::vector<std::size_t> run_windows(client::Router& router, bool write,
                                     const std::vector<std::vector<std::size_t>>& wins,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& names,
                                     std::vector<BatchFailure>& failures, WindowFn window_fn) {
    std::vector<std::size_t> retry;
    int dead_shard = -2;
    std::string dead_error;
    ErrorCode dead_code = ErrorCode::Database;
    for (const auto& win : wins) {
        const int shard = router.owner_first_slot(core::hash_slot(keys[win.front()]));
        std::vector<ItemOutcome> outcome;
        if (shard == dead_shard) {
            for (std::size_t i : win) failures.push_back({i, names[i], dead_code, dead_error});
            continue;
        }
        try {
            auto job = [&](Connection& c) {
                outcome.assign(win.size(), ItemOutcome{});  // a resend starts over
                window_fn(c, win, outcome);
            };
            if (write)
                router.on_key_write(keys[win.front()], job, "put_tensors");
            else
                router.on_key_read(keys[win.front()], job);
        } catch (const Exception& e) {
            dead_shard = shard;
            dead_error = e.what();
            dead_code = e.code();
            for (std::size_t i : win) failures.push_back({i, names[i], dead_code, dead_error});
            continue;
        }
        for (std::size_t j = 0; j < win.size(); ++j) {
            if (outcome[j].retry)
                retry.push_back(win[j]);
            else if (outcome[j].code != ErrorCode::None)
                failures.push_back({win[j], names[win[j]], outcome[j].code, outcome[j].message});
        }
    }
    return retry;
}

void throw_failures(std::vector<BatchFailure>& failures) {
    if (failures.empty()) return;
    std::sort(failures.begin(), failures.end(),
              [](const BatchFailure& a, const BatchFailure& b) { return a.index < b.index; });
    throw BatchException(std::move(failures));
}

// The reading half shared by unpack_tensors and get_tensors_into: AI.TENSORGET of each ready
// item, windows per shard, `receive(conn, i, head)` consuming item i's reply after its head.
template <class Receive>
void read_batch(client::Router& router, const std::vector<std::string>& names,
                const std::vector<std::string>& keys, const std::vector<std::size_t>& ready,
                const std::vector<std::size_t>& bytes, std::vector<BatchFailure>& failures,
                const char* call, Receive receive) {
    const auto wins = windows(
        router, ready, [&](std::size_t i) -> const std::string& { return keys[i]; },
        [&](std::size_t i) { return bytes[i]; });
    auto retry = run_windows(
        router, false, wins, keys, names, failures,
        [&](Connection& c, const std::vector<std::size_t>& win, std::vector<ItemOutcome>& out) {
            std::size_t unread = 0;
            try {
                std::vector<resp::CommandWriter> gets(win.size());
                std::vector<const resp::CommandWriter*> commands;
                for (std::size_t j = 0; j < win.size(); ++j) {
                    gets[j].begin(4);
                    for (std::string_view a :
                         {std::string_view("AI.TENSORGET"), std::string_view(keys[win[j]]),
                          std::string_view("META"), std::string_view("BLOB")})
                        gets[j].add(a);
                    commands.push_back(&gets[j]);
                }
                c.send(commands);
                unread = win.size();
                for (std::size_t j = 0; j < win.size(); ++j) {
                    const std::size_t i = win[j];
                    try {
                        // An error reply is read whole before the exception, so the stream
                        // stays in step; so does a mismatch (the receive drains the blob).
                        receive(c, i, client::read_tensorget_head(c, keys[i], names[i], call));
                    } catch (const client::Redirect&) {
                        out[j].retry = true;
                    } catch (const client::TransientError&) {
                        out[j].retry = true;
                    } catch (const client::AuthError&) {
                        throw;  // the connection is dropped: the whole window fails
                    } catch (const Exception& e) {
                        out[j].code = e.code();
                        out[j].message = e.what();
                    }
                    --unread;
                }
            } catch (...) {
                if (unread > 0) c.mark_out_of_step();
                throw;
            }
        });
    for (std::size_t i : retry) {
        try {
            router.on_key(keys[i], [&](Connection& c) {
                receive(c, i, client::begin_tensorget(c, keys[i], names[i], call));
            });
        } catch (const Exception& e) {
            failures.push_back({i, names[i], e.code(), e.what()});
        }
    }
}

}  // namespace

BatchException::BatchException(std::vector<BatchFailure> failures)
    : Exception(failures.empty() ? ErrorCode::Internal : failures.front().code, describe(failures)),
      failures_(std::move(failures)) {}

void Client::put_tensors(const std::vector<std::string>& names,
                         const std::vector<InputTensor>& tensors) {
    if (names.size() != tensors.size())
        throw ParameterException("put_tensors: " + std::to_string(names.size()) + " names but " +
                                 std::to_string(tensors.size()) + " tensors");
    const std::size_t n = names.size();
    std::vector<BatchFailure> failures;
    std::vector<client::PreparedPut> puts(n);
    std::vector<std::string> keys(n);
    std::vector<std::size_t> ready;
    for (std::size_t i = 0; i < n; ++i) {
        try {
            const InputTensor& t = tensors[i];
            client::prepare_put(puts[i], impl_->prefix->put_tensor_key(names[i]), t.data, t.dims,
                                t.type, t.layout, "put_tensors");
            keys[i] = puts[i].key;
            ready.push_back(i);
        } catch (const Exception& e) {
            failures.push_back({i, names[i], e.code(), e.what()});
        }
    }
    impl_->log->debug([&] {
        return "put_tensors: " + std::to_string(ready.size()) + " of " + std::to_string(n) +
               " tensors";
    });
    auto& router = *impl_->router;
    const auto wins = windows(
        router, ready, [&](std::size_t i) -> const std::string& { return keys[i]; },
        [&](std::size_t i) { return puts[i].command.total_bytes(); });
    auto retry = run_windows(
        router, true, wins, keys, names, failures,
        [&](Connection& c, const std::vector<std::size_t>& win, std::vector<ItemOutcome>& out) {
            std::size_t unread = 0;
            try {
                std::vector<const resp::CommandWriter*> commands;
                for (std::size_t i : win) commands.push_back(&puts[i].command);
                c.send(commands);
                unread = win.size();
                for (std::size_t j = 0; j < win.size(); ++j) {
                    Reply r = c.read_reply();
                    --unread;
                    if (!r.is_error()) continue;
                    out[j].retry = needs_router(r.str);
                    out[j].code = ErrorCode::Database;
                    out[j].message = "put_tensor " +
                                     client::key_label(names[win[j]], keys[win[j]]) +
                                     " failed: " + r.str;
                }
            } catch (...) {
                if (unread > 0) c.mark_out_of_step();
                throw;
            }
        });
    for (std::size_t i : retry) {
        try {
            router.on_key_write(
                keys[i],
                [&](Connection& c) {
                    c.send(puts[i].command);
                    Reply r = c.read_reply();
                    if (!r.is_error()) return;
                    client::check_retryable_error(r.str);
                    throw DatabaseException("put_tensor " + client::key_label(names[i], keys[i]) +
                                            " failed: " + r.str);
                },
                "put_tensors");
        } catch (const Exception& e) {
            failures.push_back({i, names[i], e.code(), e.what()});
        }
    }
    throw_failures(failures);
}

void Client::unpack_tensors(const std::vector<std::string>& names,
                            const std::vector<OutputTensor>& tensors) {
    if (names.size() != tensors.size())
        throw ParameterException("unpack_tensors: " + std::to_string(names.size()) + " names but " +
                                 std::to_string(tensors.size()) + " buffers");
    const std::size_t n = names.size();
    const char* call = "unpack_tensors";
    std::vector<BatchFailure> failures;
    std::vector<std::string> keys(n);
    std::vector<std::size_t> ready, bytes(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        try {
            const OutputTensor& t = tensors[i];
            client::check_type(t.type, call);
            client::check_layout(t.layout, call);
            client::check_data(t.data, call);
            bytes[i] = client::check_dims(t.dims, t.type, call);
            keys[i] = impl_->prefix->get_tensor_key(names[i]);
            ready.push_back(i);
        } catch (const Exception& e) {
            failures.push_back({i, names[i], e.code(), e.what()});
        }
    }
    auto receive = [&](Connection& c, std::size_t i, const client::TensorMeta& m) {
        const OutputTensor& t = tensors[i];
        client::finish_unpack(c, m, names[i], keys[i], t.data, t.dims, t.type, t.layout, call);
    };
    read_batch(*impl_->router, names, keys, ready, bytes, failures, call, receive);
    throw_failures(failures);
}

void Client::get_tensors_into(
    const std::vector<std::string>& names,
    const std::function<void*(std::size_t, TensorType, const std::vector<std::size_t>&)>&
        allocate) {
    const char* call = "get_tensors";
    std::vector<BatchFailure> failures;
    std::vector<std::string> keys(names.size());
    std::vector<std::size_t> ready;
    for (std::size_t i = 0; i < names.size(); ++i) {
        keys[i] = impl_->prefix->get_tensor_key(names[i]);
        ready.push_back(i);
    }
    // Sizes are unknown until the replies come: windows of 16 items.
    std::vector<std::size_t> bytes(names.size(), k_window_bytes / 16);
    auto receive = [&](Connection& c, std::size_t i, const client::TensorMeta& m) {
        client::receive_allocated(
            c, m, names[i], keys[i],
            [&](TensorType type, const std::vector<std::size_t>& dims) {
                return allocate(i, type, dims);
            },
            call);
    };
    read_batch(*impl_->router, names, keys, ready, bytes, failures, call, receive);
    throw_failures(failures);
}

}  // namespace insitu
