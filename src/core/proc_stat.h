// A process's start time from /proc/<pid>/stat (clock ticks after boot): with the pid, it names
// one process for good (a pid alone may be reused). The shared-memory tensor path uses it to
// check that a server's pid seen from a client is that server, on this host.
#pragma once

#include <sys/types.h>

#include <optional>

namespace insitu::core {

std::optional<unsigned long long> process_start_ticks(pid_t pid);

}  // namespace insitu::core
