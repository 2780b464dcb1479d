// BatchSettings setters: each meaning written under the batch command's own option name; the
// options the launcher owns are refused here so that a driver fails before anything is submitted.
#include <insitu/batch_settings.h>
#include <insitu/launch_errors.h>

#include <cstdio>
#include <stdexcept>

#include "launch/hpc/batch_script.h"

namespace insitu {
namespace {

void positive(int n, const char* what) {
    if (n < 1) throw ConfigError(std::string(what) + ": must be >= 1, got " + std::to_string(n));
}

const std::string& checked(const BatchSettings& bs) {
    if (bs.batch_command != "sbatch" && bs.batch_command != "qsub" && bs.batch_command != "bsub")
        throw ConfigError("unknown batch command '" + bs.batch_command +
                          "' (sbatch, qsub or bsub)");
    return bs.batch_command;
}

}  // namespace

void BatchSettings::set_nodes(int n) {
    positive(n, "set_nodes");
    const auto& c = checked(*this);
    batch_args[c == "sbatch" ? "nodes" : c == "qsub" ? "select" : "nnodes"] = std::to_string(n);
}

void BatchSettings::set_walltime(const std::string& hhmmss) {
    int h = 0, m = 0, s = 0;
    char c1 = 0, c2 = 0;
    if (std::sscanf(hhmmss.c_str(), "%d%c%d%c%d", &h, &c1, &m, &c2, &s) != 5 || c1 != ':' ||
        c2 != ':' || h < 0 || m < 0 || m > 59 || s < 0 || s > 59)
        throw ConfigError("set_walltime: expected HH:MM:SS, got '" + hhmmss + "'");
    const auto& c = checked(*this);
    if (c == "bsub") {
        // bsub -W [hours:]minutes.
        int minutes = h * 60 + m + (s > 0 ? 1 : 0);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
        batch_args["W"] = buf;
    } else {
        batch_args[c == "sbatch" ? "time" : "walltime"] = hhmmss;
    }
}

void BatchSettings::set_queue(const std::string& queue) {
    if (queue.empty()) throw ConfigError("set_queue: empty queue name");
    batch_args[checked(*this) == "sbatch" ? "partition" : "q"] = queue;
}

void BatchSettings::set_account(const std::string& account) {
    if (account.empty()) throw ConfigError("set_account: empty account");
    const auto& c = checked(*this);
    batch_args[c == "sbatch" ? "account" : c == "qsub" ? "A" : "P"] = account;
}

void BatchSettings::set_ncpus(int n) {
    positive(n, "set_ncpus");
    if (checked(*this) != "qsub")
        throw UnsupportedError("set_ncpus is PBS's select ncpus (qsub); for " + batch_command +
                               " give CPUs per task in the run settings");
    batch_args["ncpus"] = std::to_string(n);
}

void BatchSettings::set_resource(const std::string& name, const std::string& value) {
    if (checked(*this) != "qsub")
        throw UnsupportedError("set_resource adds to PBS's select statement (qsub only)");
    if (name.empty() || value.empty() || name.find_first_of(":=, ") != std::string::npos ||
        value.find_first_of(":, ") != std::string::npos)
        throw ConfigError("set_resource: bad resource '" + name + "=" + value + "'");
    batch_args["select:" + name] = value;
}

void BatchSettings::set_batch_arg(const std::string& name, const std::string& value) {
    if (name.empty()) throw ConfigError("set_batch_arg: empty argument name");
    launch::check_batch_arg(checked(*this), name);
    batch_args[name] = value;
}

void BatchSettings::add_preamble(const std::vector<std::string>& lines) {
    preamble.insert(preamble.end(), lines.begin(), lines.end());
}

}  // namespace insitu
