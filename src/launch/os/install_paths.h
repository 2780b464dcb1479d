// Where an installed tree keeps its pieces, found relative to this library (libinsitu_launch.so)
// so that a moved prefix still works: <libdir>/insitu/libinsitu_ai.so and <bindir>/insitu.
#pragma once

#include <string>

namespace insitu::launch {

// The directory this library was loaded from, symlinks resolved ("" if unknown).
std::string launch_library_dir();
// <libdir>/insitu/libinsitu_ai.so and <bindir>/insitu as seen from launch_library_dir() (they
// exist only in an installed tree; "" when the directory is unknown).
std::string installed_module_path();
std::string installed_cli_path();

}  // namespace insitu::launch
