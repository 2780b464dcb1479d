#include "launch/api/generator.h"

#include <insitu/launch_errors.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw LaunchError("cannot read " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void configure_into(const fs::path& src, const fs::path& dst,
                    const std::map<std::string, std::string>& params, const std::string& tag) {
    if (fs::is_directory(src)) {
        fs::create_directories(dst);
        for (const auto& e : fs::directory_iterator(src))
            configure_into(e.path(), dst / e.path().filename(), params, tag);
        return;
    }
    std::ofstream out(dst, std::ios::binary | std::ios::trunc);
    out << configure_text(read_file(src), params, tag);
    if (!out) throw LaunchError("cannot write " + dst.string());
    fs::permissions(dst, fs::status(src).permissions());
}

fs::path checked_source(const std::string& file, const std::string& model) {
    fs::path p = fs::absolute(file);
    if (!fs::exists(p)) throw LaunchError("model " + model + ": generator file not found: " + file);
    return p;
}

}  // namespace

std::string configure_text(const std::string& text,
                           const std::map<std::string, std::string>& params,
                           const std::string& tag) {
    if (tag.empty()) throw ConfigError("the generator tag must not be empty");
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto open = text.find(tag, pos);
        if (open == std::string::npos) break;
        auto close = text.find(tag, open + tag.size());
        if (close == std::string::npos) break;
        std::string name = text.substr(open + tag.size(), close - open - tag.size());
        auto it = params.find(name);
        if (it != params.end()) {
            out.append(text, pos, open - pos);
            out += it->second;
            pos = close + tag.size();
        } else {
            // Not a parameter: keep the first tag and look for a tag pair starting at the second.
            out.append(text, pos, close - pos);
            pos = close;
        }
    }
    out.append(text, pos, std::string::npos);
    return out;
}

void prepare_dir(const std::string& dir, bool overwrite) {
    if (fs::exists(dir)) {
        if (overwrite)
            fs::remove_all(dir);
        else if (!fs::is_empty(dir))
            throw LaunchError("run directory " + dir +
                              " already exists (generate with overwrite=true to replace it)");
    }
    fs::create_directories(dir);
}

void generate_model_dir(const Model& model, const std::string& dir, bool overwrite,
                        const std::string& tag) {
    prepare_dir(dir, overwrite);
    const auto& f = model.files();
    for (const auto& file : f.to_copy) {
        fs::path src = checked_source(file, model.name());
        fs::copy(src, fs::path(dir) / src.filename(),
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    }
    for (const auto& file : f.to_symlink) {
        fs::path src = checked_source(file, model.name());
        fs::create_symlink(src, fs::path(dir) / src.filename());
    }
    for (const auto& file : f.to_configure) {
        fs::path src = checked_source(file, model.name());
        configure_into(src, fs::path(dir) / src.filename(), model.params(), tag);
    }
}

}  // namespace insitu::launch
