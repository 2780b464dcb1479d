#include "launch/hpc/batch_script.h"

#include <insitu/launch_errors.h>

#include <set>
#include <sstream>
#include <stdexcept>

namespace insitu::launch {
namespace {

// Options each batch command gets from the launcher (job name, logs, directory, submission mode).
const std::set<std::string>& reserved(const std::string& cmd) {
    static const std::set<std::string> sbatch = {"job-name", "J", "output",   "o",    "error", "e",
                                                 "chdir",    "D", "parsable", "wait", "W"};
    static const std::set<std::string> qsub = {"N", "o", "e", "j", "koe"};
    static const std::set<std::string> bsub = {"J", "o", "e", "oo", "eo", "cwd"};
    if (cmd == "sbatch") return sbatch;
    if (cmd == "qsub") return qsub;
    if (cmd == "bsub") return bsub;
    throw ConfigError("unknown batch command '" + cmd + "' (sbatch, qsub or bsub)");
}

std::string directive(const std::string& prefix, bool long_eq, const std::string& k,
                      const std::string& v) {
    if (k.size() == 1 || !long_eq) return prefix + " -" + k + (v.empty() ? "" : " " + v) + "\n";
    return prefix + " --" + k + (v.empty() ? "" : "=" + v) + "\n";
}

std::string line(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + shell_quote(a);
    return s;
}

}  // namespace

std::string shell_quote(const std::string& w) {
    if (!w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_-+=./:,@%") == std::string::npos)
        return w;
    std::string q = "'";
    for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

void check_batch_arg(const std::string& cmd, const std::string& name) {
    if (reserved(cmd).count(name))
        throw ConfigError(cmd + " argument '" + name +
                          "' is set by the launcher (job name, output/error files, working "
                          "directory and submission mode are its own); remove it");
}

std::string batch_script(const BatchSettings& bs, const BatchJob& job) {
    const std::string& cmd = bs.batch_command;
    for (const auto& [k, v] : bs.batch_args) {
        if (k.rfind("select:", 0) == 0 || k == "select" || k == "ncpus") continue;  // PBS select
        check_batch_arg(cmd, k);
    }
    if (job.commands.empty()) throw ConfigError("batch job " + job.name + " has no command");
    std::ostringstream s;
    s << "#!/bin/bash\n";
    if (cmd == "sbatch") {
        s << "#SBATCH --job-name=" << job.name << "\n#SBATCH --output=" << job.out_path
          << "\n#SBATCH --error=" << job.err_path << "\n#SBATCH --chdir=" << job.cwd << "\n";
        for (const auto& [k, v] : bs.batch_args) s << directive("#SBATCH", true, k, v);
    } else if (cmd == "qsub") {
        s << "#PBS -N " << job.name << "\n#PBS -o " << job.out_path << "\n#PBS -e " << job.err_path
          << "\n";
        // select=<chunks>[:ncpus=<n>][:<resource>=<value>...]: one chunk per node.
        auto sel = bs.batch_args.find("select");
        std::string select = sel == bs.batch_args.end() ? "" : sel->second;
        auto nc = bs.batch_args.find("ncpus");
        if (nc != bs.batch_args.end())
            select += (select.empty() ? "1" : "") + (":ncpus=" + nc->second);
        for (const auto& [k, v] : bs.batch_args)
            if (k.rfind("select:", 0) == 0)
                select += (select.empty() ? "1" : "") + (":" + k.substr(7) + "=" + v);
        if (!select.empty()) s << "#PBS -l select=" << select << "\n";
        for (const auto& [k, v] : bs.batch_args) {
            if (k == "select" || k == "ncpus" || k.rfind("select:", 0) == 0) continue;
            if (k == "walltime")
                s << "#PBS -l walltime=" << v << "\n";
            else
                s << directive("#PBS", false, k, v);
        }
    } else if (cmd == "bsub") {
        s << "#BSUB -J " << job.name << "\n#BSUB -o " << job.out_path << "\n#BSUB -e "
          << job.err_path << "\n#BSUB -cwd " << job.cwd << "\n";
        for (const auto& [k, v] : bs.batch_args) s << directive("#BSUB", false, k, v);
    }
    s << "\n";
    if (cmd != "sbatch") s << "cd " << shell_quote(job.cwd) << "\n";
    for (const auto& p : bs.preamble) s << p << "\n";
    for (const auto& [k, v] : job.env) s << "export " << k << "=" << shell_quote(v) << "\n";
    if (job.commands.size() == 1) {
        s << "exec " << line(job.commands[0]) << "\n";
    } else {
        s << "pids=()\n";
        for (const auto& c : job.commands) s << line(c) << " &\npids+=($!)\n";
        s << "rc=0\nfor p in \"${pids[@]}\"; do wait \"$p\" || rc=$?; done\nexit $rc\n";
    }
    return s.str();
}

}  // namespace insitu::launch
