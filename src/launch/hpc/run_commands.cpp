#include "launch/hpc/run_commands.h"

#include <insitu/launch_errors.h>

#include <set>
#include <sstream>
#include <stdexcept>

#include "launch/hpc/batch_script.h"

namespace insitu::launch {
namespace {

const std::set<std::string>& reserved(const std::string& rc) {
    static const std::set<std::string> srun = {"job-name", "J", "output", "o",
                                               "error",    "e", "input",  "i"};
    static const std::set<std::string> jsrun = {"stdio_stdout", "o", "stdio_stderr", "k",
                                                "erf_input",    "U"};
    static const std::set<std::string> none;
    if (rc == "srun") return srun;
    if (rc == "jsrun") return jsrun;
    return none;
}

std::string cpu_set(const std::vector<int>& v) {
    std::string s;
    for (int c : v) s += (s.empty() ? "" : ",") + std::to_string(c);
    return s;
}

void append_exe(std::vector<std::string>& argv, const RunSettings& rs,
                const std::vector<std::string>& exe_argv) {
    if (!exe_argv.empty()) {
        argv.insert(argv.end(), exe_argv.begin(), exe_argv.end());
        return;
    }
    if (rs.exe.empty()) throw ConfigError("run settings without an executable");
    argv.push_back(rs.exe);
    argv.insert(argv.end(), rs.exe_args.begin(), rs.exe_args.end());
}

}  // namespace

void check_run_arg(const std::string& rc, const std::string& name) {
    if (reserved(rc).count(name))
        throw ConfigError(rc + " argument '" + name +
                          "' is set by the launcher (it names the step and its output "
                          "files); remove it from the run arguments");
}

void check_run_args(const RunSettings& rs) {
    for (const auto& [k, v] : rs.run_args) check_run_arg(rs.run_command, k);
    for (const auto& m : rs.mpmd) check_run_args(m);
}

namespace {

void append_srun_args(std::vector<std::string>& argv, const RunSettings& r) {
    for (const auto& [k, v] : r.run_args) {
        if (k.size() == 1) {
            argv.push_back("-" + k);
            if (!v.empty()) argv.push_back(v);
        } else {
            argv.push_back("--" + k + (v.empty() ? "" : "=" + v));
        }
    }
}

}  // namespace

std::vector<std::string> format_srun(const RunSettings& rs,
                                     const std::vector<std::string>& exe_argv,
                                     const std::string& step_name, const std::string& srun) {
    check_run_args(rs);
    std::vector<std::string> argv = {srun, "--job-name=" + step_name};
    append_srun_args(argv, rs);
    append_exe(argv, rs, exe_argv);
    for (const auto& m : rs.mpmd) {
        argv.push_back(":");
        append_srun_args(argv, m);
        append_exe(argv, m, {});
    }
    return argv;
}

RunSettings exact_srun_settings(const RunSettings& rs) {
    RunSettings out = rs;
    auto exact = [](RunSettings& r) {
        if (!r.run_args.count("exact") && !r.run_args.count("whole")) r.run_args["exact"] = "";
    };
    exact(out);
    for (auto& m : out.mpmd) exact(m);
    return out;
}

std::string srun_request(const RunSettings& rs) {
    std::vector<std::string> words;
    append_srun_args(words, rs);
    for (const auto& m : rs.mpmd) {
        words.push_back(":");
        append_srun_args(words, m);
    }
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
    return s.empty() ? "(no options)" : s;
}

std::vector<std::string> format_aprun(const RunSettings& rs,
                                      const std::vector<std::string>& exe_argv,
                                      const std::map<std::string, std::string>& env) {
    check_run_args(rs);
    std::vector<std::string> argv = {"aprun"};
    auto part = [&](const RunSettings& r, const std::vector<std::string>& exe) {
        for (const auto& [k, v] : r.run_args) {
            argv.push_back((k.size() == 1 || k == "cc" ? "-" : "--") + k);
            if (!v.empty()) argv.push_back(v);
        }
        for (const auto& [k, v] : env) {
            argv.push_back("-e");
            argv.push_back(k + "=" + v);
        }
        append_exe(argv, r, exe);
    };
    part(rs, exe_argv);
    for (const auto& m : rs.mpmd) {
        argv.push_back(":");
        part(m, {});
    }
    return argv;
}

std::vector<std::string> format_jsrun(const RunSettings& rs,
                                      const std::vector<std::string>& exe_argv,
                                      const std::string& erf_path) {
    check_run_args(rs);
    if (!rs.mpmd.empty()) {
        // MPMD under jsrun goes through an ERF file, which places every rank itself.
        if (erf_path.empty())
            throw ConfigError("jsrun MPMD needs an ERF file (erf_file + its path)");
        return {"jsrun", "--erf_input", erf_path};
    }
    std::vector<std::string> argv = {"jsrun"};
    for (const auto& [k, v] : rs.run_args) {
        argv.push_back((k.size() == 1 ? "-" : "--") + k);
        if (!v.empty()) argv.push_back(v);
    }
    append_exe(argv, rs, exe_argv);
    return argv;
}

std::string erf_file(const RunSettings& rs, const std::vector<ErfRank>& ranks) {
    std::vector<const RunSettings*> apps = {&rs};
    for (const auto& m : rs.mpmd) apps.push_back(&m);
    std::ostringstream s;
    s << "cpu_index_using: logical\n";
    for (std::size_t a = 0; a < apps.size(); ++a) {
        std::vector<std::string> cmd;
        append_exe(cmd, *apps[a], {});
        std::string l;
        for (const auto& w : cmd) l += (l.empty() ? "" : " ") + shell_quote(w);
        s << "app " << a << ": " << l << "\n";
    }
    if (ranks.empty()) throw ConfigError("an ERF file needs at least one rank");
    for (std::size_t r = 0; r < ranks.size(); ++r) {
        const auto& k = ranks[r];
        if (k.app < 0 || static_cast<std::size_t>(k.app) >= apps.size())
            throw ConfigError("ERF rank " + std::to_string(r) + " names app " +
                              std::to_string(k.app) + " but there are " +
                              std::to_string(apps.size()));
        if (k.cpus.empty()) throw ConfigError("ERF rank " + std::to_string(r) + " has no CPU");
        if (k.host < 1) throw ConfigError("ERF hosts are numbered from 1");
        s << "rank: " << r << ": { host: " << k.host << "; cpu: {" << cpu_set(k.cpus) << "}";
        if (!k.gpus.empty()) s << "; gpu: {" << cpu_set(k.gpus) << "}";
        s << " } : app " << k.app << "\n";
    }
    return s.str();
}

}  // namespace insitu::launch
