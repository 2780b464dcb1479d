// run_model / run_script. Standalone: one execution command. Cluster: the command runs on the
// shard owning the first input's slot, against that shard's copy "{P}.<name>" of the model or
// script. When every input and output shares one slot it is sent as it is and moves nothing
// (insitu's module declares only tensor keys to Redis Cluster); otherwise, or when the server
// answers CROSSSLOT because it also declares the model key (RedisAI), the peer's way: inputs are
// copied next to the model ("{P}.<input>.TMP"), the run writes "{P}.<output>.TMP", outputs are
// copied back and the temporaries deleted.
#include "client/client_impl.h"

#include <algorithm>
#include <map>

#include "client/model_checks.h"
#include "client/server_errors.h"
#include "core/hash_slot.h"
#include "core/shard_prefix.h"

namespace insitu {
namespace {

using client::Connection;
using client::LogLevel;
using Kind = Client::Impl::RunKind;

bool is_crossslot(const Reply& r) {
    return r.is_error() && client::classify_error(r.str) == client::ServerError::cross_slot;
}

std::vector<std::string> run_args(Kind kind, const std::string& key, const std::string& function,
                                  const std::vector<std::string>& inputs,
                                  const std::vector<std::string>& outputs, int timeout_ms) {
    std::vector<std::string> a;
    if (kind == Kind::model) {
        a = {"AI.MODELEXECUTE", key, "INPUTS", std::to_string(inputs.size())};
        a.insert(a.end(), inputs.begin(), inputs.end());
        a.push_back("OUTPUTS");
        a.push_back(std::to_string(outputs.size()));
        a.insert(a.end(), outputs.begin(), outputs.end());
        a.push_back("TIMEOUT");
        a.push_back(std::to_string(timeout_ms));
    } else {
        // The peer's AI.SCRIPTRUN (no counts, no TIMEOUT), which every server since RedisAI 1.0
        // accepts.
        a = {"AI.SCRIPTRUN", key, function, "INPUTS"};
        a.insert(a.end(), inputs.begin(), inputs.end());
        a.push_back("OUTPUTS");
        a.insert(a.end(), outputs.begin(), outputs.end());
    }
    return a;
}

// One run_model / run_script call, as its steps see it.
struct RunCall {
    Kind kind;
    const std::string& call;  // "run_model", "run_script"
    const std::string& name;
    const std::string& function;
    int queue_timeout_ms;  // SR_MODEL_TIMEOUT: the server's TIMEOUT argument
    int wait_ms;           // how long the client waits for the reply

    std::string what() const { return call + " '" + name + "'"; }
};

void validate(const RunCall& r, const std::vector<std::string>& inputs,
              const std::vector<std::string>& outputs) {
    client::check_name(r.name, r.call.c_str());
    if (r.kind == Kind::script && r.function.empty())
        throw ParameterException(r.call + ": the function name must not be empty");
    if (r.kind == Kind::model && (inputs.empty() || outputs.empty()))
        throw ParameterException(r.call + ": a model needs at least one input and one output");
    if (inputs.empty() && outputs.empty())
        throw ParameterException(r.call + ": no inputs and no outputs given");
}

// Sends one execution command routed by `route`; returns error replies other than redirections to
// the caller.
Reply send(Client::Impl& impl, const RunCall& r, const std::string& route, const std::string& key,
           const std::vector<std::string>& ins, const std::vector<std::string>& outs) {
    std::vector<std::string> args =
        run_args(r.kind, key, r.function, ins, outs, r.queue_timeout_ms);
    std::vector<std::string_view> views(args.begin(), args.end());
    impl.log->debug([&] { return r.call + " " + core::printable_key(key); });
    Reply out;
    // A write: the run stores its outputs.
    impl.router->on_key_write(
        route,
        [&](Connection& c) {
            // The run itself may take longer than any socket stall: wait for the queue TIMEOUT plus
            // SR_CMD_TIMEOUT.
            c.set_reply_timeout(r.wait_ms);
            out = c.command(views);
            if (out.is_error()) client::check_retryable_error(out.str);
        },
        r.what());
    return out;
}

void check_reply(const RunCall& r, const Reply& reply) {
    if (reply.is_status("OK")) return;
    if (reply.is_status("TIMEDOUT"))
        throw TimeoutException(r.what() + ": the request waited longer than " +
                               std::to_string(r.queue_timeout_ms) +
                               " ms (SR_MODEL_TIMEOUT) in the server's run queue");
    if (reply.is_error()) {
        if (client::classify_error(reply.str) == client::ServerError::missing_key)
            throw KeyException(r.what() + " failed: " + reply.str);
        throw DatabaseException(r.what() + " failed: " + reply.str);
    }
    throw DatabaseException(r.what() + ": unexpected reply " + to_display(reply));
}

// Copies one tensor between shards with DUMP/RESTORE (through the client).
void copy_tensor(Client::Impl& impl, const RunCall& r, const std::string& from,
                 const std::string& to, const char* what) {
    Reply dump = impl.router->command_on_key(from, {"DUMP", from});
    if (dump.is_error())
        throw DatabaseException(r.what() + ": DUMP of " + what + " '" + core::printable_key(from) +
                                "' failed: " + dump.str);
    if (dump.type == Reply::Type::nil)
        throw KeyException(r.what() + ": " + what + " '" + core::printable_key(from) +
                           "' does not exist");
    Reply restored =
        impl.router->command_on_key_write(to, {"RESTORE", to, "0", dump.str, "REPLACE"}, r.what());
    if (restored.is_error())
        throw DatabaseException(r.what() + ": RESTORE of '" + core::printable_key(to) +
                                "' failed: " + restored.str);
    impl.bytes_moved += 2 * dump.str.size();  // read from one shard, written to another
}

void delete_keys(Client::Impl& impl, const std::string& route, const std::vector<std::string>& keys,
                 const RunCall* warn_for) {
    std::vector<std::string_view> del{"DEL"};
    del.insert(del.end(), keys.begin(), keys.end());
    Reply reply = impl.router->command_on_key(route, del);
    if (reply.is_error() && warn_for)
        impl.log->warning(warn_for->what() + ": deleting temporaries failed: " + reply.str);
}

// The copy path: inputs outside the model copy's slot `home` are copied next to it, the run writes
// temporaries there, outputs are copied back and the temporaries deleted (also on failure).
void run_by_copy(Client::Impl& impl, const RunCall& r, int home, const std::string& key,
                 const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) {
    const std::string prefix = impl.prefix_for_slot(home);
    std::map<std::string, std::string> temp_of;  // user key -> key in the home slot
    std::vector<std::string> temps;
    auto placed = [&](const std::string& k) {
        if (core::hash_slot(k) == home) return k;
        auto [it, created] = temp_of.try_emplace(k, core::shard_prefixed_key(prefix, k + ".TMP"));
        if (created) temps.push_back(it->second);
        return it->second;
    };
    std::vector<std::string> ins, outs;
    for (const auto& i : inputs) ins.push_back(placed(i));
    for (const auto& o : outputs) outs.push_back(placed(o));
    try {
        for (std::size_t i = 0; i < inputs.size(); ++i)
            if (ins[i] != inputs[i]) copy_tensor(impl, r, inputs[i], ins[i], "input");
        check_reply(r, send(impl, r, key, key, ins, outs));
        for (std::size_t i = 0; i < outputs.size(); ++i)
            if (outs[i] != outputs[i]) copy_tensor(impl, r, outs[i], outputs[i], "output");
    } catch (...) {
        if (!temps.empty()) {
            try {
                delete_keys(impl, key, temps, nullptr);
            } catch (...) {  // the original error matters more
            }
        }
        throw;
    }
    if (!temps.empty()) delete_keys(impl, key, temps, &r);
}

}  // namespace

void Client::Impl::run(RunKind kind, const std::string& call, const std::string& name,
                       const std::string& model_key, const std::string& function,
                       const std::vector<std::string>& inputs,
                       const std::vector<std::string>& outputs) {
    const auto wait_ms = static_cast<int>(std::min<long long>(
        1'000'000'000LL,
        static_cast<long long>(model_timeout_ms) + router->timing().cmd_timeout.count()));
    const RunCall r{kind, call, name, function, model_timeout_ms, wait_ms};
    validate(r, inputs, outputs);

    if (!router->is_cluster())
        return check_reply(r, send(*this, r, model_key, model_key, inputs, outputs));

    // Cluster: the shard owning the first key's slot runs its copy of the model.
    const std::string& first = inputs.empty() ? outputs.front() : inputs.front();
    const int slot = core::hash_slot(first);
    const int home = router->owner_first_slot(slot);
    if (home < 0)
        throw DatabaseException("no cluster node is known to serve hash slot " +
                                std::to_string(slot));
    const std::string key = core::shard_prefixed_key(prefix_for_slot(home), model_key);
    auto in_slot = [&](const std::string& k) { return core::hash_slot(k) == slot; };
    const bool aligned = std::all_of(inputs.begin(), inputs.end(), in_slot) &&
                         std::all_of(outputs.begin(), outputs.end(), in_slot);
    if (aligned && (!model_key_declared || slot == home)) {
        Reply reply = send(*this, r, first, key, inputs, outputs);
        if (!is_crossslot(reply)) return check_reply(r, reply);
        model_key_declared = true;
        log->log(LogLevel::Info, call +
                                     ": the server declares model keys to Redis Cluster; "
                                     "runs copy their tensors next to the model from now on");
    }
    run_by_copy(*this, r, home, key, inputs, outputs);
}

void Client::run_model(const std::string& name, std::vector<std::string> inputs,
                       std::vector<std::string> outputs) {
    for (auto& i : inputs) i = impl_->prefix->get_tensor_key(i);
    for (auto& o : outputs) o = impl_->prefix->put_tensor_key(o);
    impl_->run(Impl::RunKind::model, "run_model", name, impl_->prefix->get_model_key(name), "",
               inputs, outputs);
}

void Client::run_model_multigpu(const std::string& name, std::vector<std::string> inputs,
                                std::vector<std::string> outputs, int offset, int first_gpu,
                                int num_gpus) {
    run_model(client::multigpu_model_name(name, offset, first_gpu, num_gpus, "run_model_multigpu"),
              std::move(inputs), std::move(outputs));
}

void Client::run_script(const std::string& name, const std::string& function,
                        std::vector<std::string> inputs, std::vector<std::string> outputs) {
    for (auto& i : inputs) i = impl_->prefix->get_tensor_key(i);
    for (auto& o : outputs) o = impl_->prefix->put_tensor_key(o);
    impl_->run(Impl::RunKind::script, "run_script", name, impl_->prefix->get_model_key(name),
               function, inputs, outputs);
}

void Client::run_script_multigpu(const std::string& name, const std::string& function,
                                 std::vector<std::string> inputs, std::vector<std::string> outputs,
                                 int offset, int first_gpu, int num_gpus) {
    run_script(
        client::multigpu_model_name(name, offset, first_gpu, num_gpus, "run_script_multigpu"),
        function, std::move(inputs), std::move(outputs));
}

std::uint64_t Client::bytes_moved() const {
    return impl_->bytes_moved;
}

void Client::reset_bytes_moved() {
    impl_->bytes_moved = 0;
}

}  // namespace insitu
