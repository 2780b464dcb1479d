#include "telemetry/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "telemetry/schema.h"

namespace fs = std::filesystem;

namespace insitu::telemetry {
namespace {

std::size_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

// Telemetry must never fail the experiment: a full disk loses records, nothing else.
void append_line(const std::string& path, const std::string& line) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    std::string data = line + "\n";
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    ::close(fd);
}

// Which record a later one supersedes: the same kind for the same job of the same driver.
std::string record_key(const nlohmann::json& j) {
    auto s = [&](const char* k) {
        auto it = j.find(k);
        return it == j.end() ? std::string() : it->dump();
    };
    return s("kind") + "|" + s("driver") + "|" + s("name") + "|" + s("run");
}

}  // namespace

Writer::Writer(std::string dir, std::size_t max_bytes)
    : dir_(std::move(dir)), entity_cap_(max_bytes / 4), sample_cap_(max_bytes - max_bytes / 4) {
    fs::create_directories(dir_);
}

void Writer::append_entity(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string path = (fs::path(dir_) / k_entities_file).string();
    if (file_size(path) + line.size() + 1 > entity_cap_) compact_entities(path);
    append_line(path, line);
}

void Writer::append_sample(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string path = (fs::path(dir_) / k_samples_file).string();
    // Two halves: the current file and the previous one, so the newest samples always remain.
    if (file_size(path) > 0 && file_size(path) + line.size() + 1 > sample_cap_ / 2) {
        std::error_code ec;
        fs::rename(path, fs::path(dir_) / k_old_samples_file, ec);
    }
    append_line(path, line);
}

// Keeps the latest record of each (kind, driver, job, run) in order of their last update; when
// that is still over half the budget, the oldest go first.
void Writer::compact_entities(const std::string& path) {
    std::ifstream in(path);
    std::deque<std::pair<std::string, std::string>> kept;  // key, line
    std::map<std::string, std::size_t> latest;             // key -> position of its last line
    std::vector<std::pair<std::string, std::string>> all;
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        std::string key = record_key(j);
        latest[key] = all.size();
        all.emplace_back(key, line);
    }
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (latest[all[i].first] == i) {
            bytes += all[i].second.size() + 1;
            kept.push_back(std::move(all[i]));
        }
    while (!kept.empty() && bytes > entity_cap_ / 2) {
        bytes -= kept.front().second.size() + 1;
        kept.pop_front();
    }
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& [key, line] : kept) out << line << "\n";
        if (!out) return;
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
}

}  // namespace insitu::telemetry
