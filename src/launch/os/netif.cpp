#include "launch/os/netif.h"

#include <insitu/launch_errors.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <set>
#include <stdexcept>

namespace insitu::launch {

std::string interface_address(const std::string& ifname) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) throw LaunchError("getifaddrs failed");
    std::string found;
    std::set<std::string> names;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        names.insert(i->ifa_name);
        if (found.empty() && ifname == i->ifa_name) {
            char buf[INET_ADDRSTRLEN] = {};
            auto* sin = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
            ::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
            found = buf;
        }
    }
    ::freeifaddrs(list);
    if (found.empty()) {
        std::string have;
        for (const auto& n : names) have += (have.empty() ? "" : ", ") + n;
        throw LaunchError("network interface '" + ifname +
                          "' has no IPv4 address (interfaces with one: " + have + ")");
    }
    return found;
}

}  // namespace insitu::launch
