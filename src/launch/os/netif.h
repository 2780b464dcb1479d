// Addresses of named network interfaces (the shards bind the address of the interface the user
// names, as SmartSim's `interface` argument).
#pragma once

#include <string>

namespace insitu::launch {

// The IPv4 address of `ifname` ("lo" -> "127.0.0.1"). Throws naming the interface and listing
// the interfaces that do have an IPv4 address when it has none or does not exist.
std::string interface_address(const std::string& ifname);

}  // namespace insitu::launch
