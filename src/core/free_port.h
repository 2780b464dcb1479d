// Free TCP ports for servers started on this host: for the launcher's local shards and for the
// test servers. Two things made a probed-free port go away before redis-server bound it (seen in
// CI, where ctest runs several server-starting tests at once):
//  - another process probing the same port at the same moment, or taking it while a test had
//    killed its server and was about to restart it there;
//  - the kernel handing the port out as the local end of some outgoing connection.
// So ports come from below the kernel's ephemeral range (port and cluster-bus port + 10000), and a
// port handed out is reserved with an flock'd file in <tmp>/insitu-ports-<uid>/ for as long as
// the process lives. Processes that pick ports the same way (tests/python_driver/conftest.py)
// never hand out the same one.
#pragma once

namespace insitu::core {

// A port p on 127.0.0.1 with p and p + 10000 bindable now and reserved by this process until it
// exits. Throws std::runtime_error when none is found.
int pick_free_port();

// The kernel's ephemeral port range (net.ipv4.ip_local_port_range), 32768..60999 when unreadable.
struct PortRange {
    int low;
    int high;
};
PortRange ephemeral_port_range();

}  // namespace insitu::core
