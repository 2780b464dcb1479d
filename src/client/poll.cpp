// The poll_* calls as one blocking AI._WAIT (woken by the write itself) where the server has it,
// else the sleep-and-check loop of poll.h.
#include "client/poll.h"

#include <algorithm>

#include "client/client_impl.h"

namespace insitu {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Errors meaning "this server has no usable AI._WAIT" (RedisAI, a plain redis-server, a module
// loaded with WAIT OFF or on a server lacking the Modules API calls it needs).
bool wait_missing(const std::string& error) {
    return error.find("unknown command") != std::string::npos ||
           error.find("AI._WAIT is unavailable") != std::string::npos;
}

}  // namespace

bool Client::Impl::wait_until(const std::string& key, const std::vector<std::string>& condition,
                              int frequency_ms, int tries, const std::function<bool()>& check) {
    if (frequency_ms < 0) throw ParameterException("poll frequency must not be negative");
    if (tries <= 0) return false;
    if (wait_supported == false) return client::poll(frequency_ms, tries, check);
    // SmartRedis's total time: tries checks, each followed by a sleep of frequency_ms.
    const auto deadline = Clock::now() + milliseconds(static_cast<long long>(frequency_ms) * tries);
    // One wait is at most a quarter of SR_CMD_TIMEOUT, so a server that is slow to answer its
    // timeout is never taken for a dead one (the router allows a reply SR_CMD_TIMEOUT).
    const long long slice_cap = std::max<long long>(1, router->timing().cmd_timeout.count() / 4);
    while (true) {
        Reply r;
        try {
            // Built per attempt: a retry after a reconnection waits only for the time left.
            router->on_key(key, [&](client::Connection& c) {
                const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
                const std::string slice =
                    std::to_string(std::clamp<long long>(left.count(), 0, slice_cap));
                std::vector<std::string_view> args{"AI._WAIT", key};
                args.insert(args.end(), condition.begin(), condition.end());
                args.push_back(slice);
                r = c.command(args);
                if (r.is_error()) client::check_retryable_error(r.str);
            });
        } catch (const client::AuthError&) {
            // NOPERM for AI._WAIT (an ACL written before it existed): the check says whether
            // the plain reads are allowed.
            if (wait_supported) throw;
            wait_supported = false;
            return client::poll(frequency_ms, tries, check);
        }
        if (r.is_error()) {
            if (wait_missing(r.str)) {
                log->debug(
                    [&] { return "AI._WAIT is not available (" + r.str + "): polling instead"; });
                wait_supported = false;
                return client::poll(frequency_ms, tries, check);
            }
            // WRONGTYPE and the like: the check raises what the polling calls always raised.
            check();
            throw DatabaseException("AI._WAIT on '" + key + "' failed: " + r.str);
        }
        if (r.type != Reply::Type::integer)
            throw DatabaseException("AI._WAIT on '" + key + "': unexpected reply " + to_display(r));
        wait_supported = true;
        if (r.integer == 1) return true;
        if (Clock::now() >= deadline) return false;
    }
}

}  // namespace insitu
