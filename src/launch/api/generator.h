// Run directories and the files placed in them (Experiment::generate).
#pragma once

#include <insitu/entity.h>

#include <map>
#include <string>

namespace insitu::launch {

// `text` with every <tag><param><tag> replaced by the param's value; other tags are left as is.
std::string configure_text(const std::string& text,
                           const std::map<std::string, std::string>& params,
                           const std::string& tag);
// Creates `dir` (removing it first when overwrite; throwing when it exists and is not empty
// otherwise) and places the model's files: copies, symlinks (to absolute paths) and configured
// copies. Directories are copied and configured recursively.
void generate_model_dir(const Model& model, const std::string& dir, bool overwrite,
                        const std::string& tag);
void prepare_dir(const std::string& dir, bool overwrite);

}  // namespace insitu::launch
