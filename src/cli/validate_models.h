// The sample models `insitu validate` runs, embedded at build time (src/cli/embed_models.cmake):
// file name -> bytes, for the files of tests/models it uses.
#pragma once

#include <map>
#include <string>

namespace insitu::cli {

const std::map<std::string, std::string>& validate_files();

}  // namespace insitu::cli
