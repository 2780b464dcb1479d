// Polling shared by the poll_* calls: `check` up to `tries` times, `frequency_ms` apart, the
// fallback of Client::Impl::wait_until (poll.cpp) against servers without AI._WAIT.
#pragma once

#include <insitu/errors.h>

#include <chrono>
#include <thread>

namespace insitu::client {

template <typename Check>
bool poll(int frequency_ms, int tries, Check&& check) {
    if (frequency_ms < 0) throw ParameterException("poll frequency must not be negative");
    for (int i = 0; i < tries; ++i) {
        if (check()) return true;
        if (i + 1 < tries) std::this_thread::sleep_for(std::chrono::milliseconds(frequency_ms));
    }
    return false;
}

}  // namespace insitu::client
