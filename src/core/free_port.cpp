#include "core/free_port.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "core/socket.h"
#include "core/temp_dir.h"

namespace insitu::core {
namespace {

constexpr int bus_offset = 10000;

std::string reservation_dir() {
    return temp_dir() + "/insitu-ports-" + std::to_string(::getuid());
}

// Reserves `port` for this process: an exclusive flock on its file, never closed (the kernel
// drops it at exit, also on a crash). False when another live process holds it.
bool reserve(const std::string& dir, int port) {
    std::string path = dir + "/" + std::to_string(port);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return true;  // no registry (read-only tmp): the bind probe alone decides
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return false;
    }
    return true;
}

}  // namespace

PortRange ephemeral_port_range() {
    PortRange r{32768, 60999};
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    int lo = 0, hi = 0;
    if (in >> lo >> hi && lo > 0 && hi >= lo) r = {lo, hi};
    return r;
}

int pick_free_port() {
    static std::mutex mu;
    static std::set<int> handed;  // this process's own reservations (flock is per open file)
    static std::mt19937 rng(
        static_cast<unsigned>(::getpid()) * 7919u ^
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::lock_guard lock(mu);

    // Below the ephemeral range when it leaves room (both p and p + 10000 under it); otherwise
    // the old wide range, where only the probe and the reservation protect the port.
    PortRange eph = ephemeral_port_range();
    int first = 10000, last = eph.low - bus_offset - 1;
    if (last - first < 2000) {
        first = 20000;
        last = 45000;
    }
    std::string dir = reservation_dir();
    ::mkdir(dir.c_str(), 0700);

    for (int attempt = 0; attempt < 2000; ++attempt) {
        int port = first + static_cast<int>(rng() % static_cast<unsigned>(last - first + 1));
        if (handed.count(port)) continue;
        if (!port_bindable("127.0.0.1", port, false) ||
            !port_bindable("127.0.0.1", port + bus_offset, false))
            continue;
        if (!reserve(dir, port)) continue;
        handed.insert(port);
        return port;
    }
    throw std::runtime_error("no free TCP port found on 127.0.0.1 (ports " + std::to_string(first) +
                             "-" + std::to_string(last) + ")");
}

}  // namespace insitu::core
