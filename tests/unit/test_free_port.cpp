// Ports for test and launcher servers (core/free_port.h): outside the kernel's ephemeral range
// with their cluster-bus port, and reserved so that another process cannot hand them out.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string>

#include "core/free_port.h"
#include "core/socket.h"

using namespace insitu::core;

namespace {

std::string reservation_file(int port) {
    const char* tmp = std::getenv("TMPDIR");
    return std::string((tmp && *tmp) ? tmp : "/tmp") + "/insitu-ports-" +
           std::to_string(::getuid()) + "/" + std::to_string(port);
}

// Whether another process can take the reservation's flock (it must not while we live).
bool other_process_can_lock(int port) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(reservation_file(port).c_str(), O_RDWR);
        if (fd < 0) ::_exit(2);
        ::_exit(::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST(FreePort, BelowTheEphemeralRangeWithItsBusPortAndBindable) {
    PortRange eph = ephemeral_port_range();
    ASSERT_GT(eph.low, 0);
    for (int i = 0; i < 20; ++i) {
        int p = pick_free_port();
        if (eph.low - 10000 - 1 - 10000 >= 2000) {
            EXPECT_GE(p, 10000);
            EXPECT_LT(p + 10000, eph.low) << "cluster bus port inside the ephemeral range";
        }
        EXPECT_TRUE(port_bindable("127.0.0.1", p, false));
        EXPECT_TRUE(port_bindable("127.0.0.1", p + 10000, false));
    }
}

TEST(FreePort, ReservedAgainstOtherProcessesAndNeverHandedTwice) {
    std::set<int> seen;
    for (int i = 0; i < 50; ++i) {
        int p = pick_free_port();
        EXPECT_TRUE(seen.insert(p).second) << "port " << p << " handed out twice";
    }
    int p = *seen.begin();
    EXPECT_FALSE(other_process_can_lock(p)) << "port " << p << " is not reserved";
}
