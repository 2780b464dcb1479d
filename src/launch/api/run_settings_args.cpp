// The RunSettings setters: each meaning (tasks, nodes, CPUs per task, ...) written as the argument
// the chosen run command spells for it. One table per run command; a meaning a run command lacks
// is refused with the alternatives it does have.
#include <insitu/launch_errors.h>
#include <insitu/run_settings.h>

#include <cstdio>
#include <stdexcept>

namespace insitu {
namespace {

enum class Family { None, Srun, OpenMpi, Aprun, Jsrun };

Family family(const std::string& rc) {
    if (rc == "srun") return Family::Srun;
    if (rc == "mpirun" || rc == "mpiexec" || rc == "orterun") return Family::OpenMpi;
    if (rc == "aprun") return Family::Aprun;
    if (rc == "jsrun") return Family::Jsrun;
    return Family::None;
}

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

[[noreturn]] void unsupported(const RunSettings& rs, const std::string& what) {
    throw UnsupportedError(
        what + " is not available for run command '" +
        (rs.run_command.empty() ? std::string("(none)") : rs.run_command) + "'" +
        (rs.run_command.empty() ? " (choose srun, mpirun, aprun or jsrun)" : ""));
}

void positive(int n, const char* what) {
    if (n < 1) throw ConfigError(std::string(what) + ": must be >= 1, got " + std::to_string(n));
}

}  // namespace

void RunSettings::set_tasks(int n) {
    positive(n, "set_tasks");
    switch (family(run_command)) {
        case Family::Srun:
            run_args["ntasks"] = std::to_string(n);
            return;
        case Family::Aprun:
            run_args["n"] = std::to_string(n);
            return;
        case Family::Jsrun:
            run_args["np"] = std::to_string(n);
            return;
        default:
            run_args["np"] = std::to_string(n);
            return;  // Open MPI (and the local default)
    }
}

void RunSettings::set_tasks_per_node(int n) {
    positive(n, "set_tasks_per_node");
    switch (family(run_command)) {
        case Family::Srun:
            run_args["ntasks-per-node"] = std::to_string(n);
            return;
        case Family::Aprun:
            run_args["N"] = std::to_string(n);
            return;
        // One resource set per rank: ranks per host = resource sets per host.
        case Family::Jsrun:
            run_args["rs_per_host"] = std::to_string(n);
            return;
        default:
            run_args["npernode"] = std::to_string(n);
            return;
    }
}

void RunSettings::set_nodes(int n) {
    positive(n, "set_nodes");
    if (family(run_command) != Family::Srun) unsupported(*this, "set_nodes (a node count)");
    run_args["nodes"] = std::to_string(n);
}

void RunSettings::set_cpus_per_task(int n) {
    positive(n, "set_cpus_per_task");
    switch (family(run_command)) {
        case Family::Srun:
            run_args["cpus-per-task"] = std::to_string(n);
            return;
        case Family::OpenMpi:
            run_args["map-by"] = "slot:PE=" + std::to_string(n);
            return;
        case Family::Aprun:
            run_args["d"] = std::to_string(n);
            return;
        case Family::Jsrun:
            run_args["cpu_per_rs"] = std::to_string(n);
            return;
        default:
            unsupported(*this, "set_cpus_per_task");
    }
}

void RunSettings::set_hostlist(const std::vector<std::string>& hosts) {
    if (hosts.empty()) throw ConfigError("set_hostlist: no hosts");
    for (const auto& h : hosts)
        if (h.empty() || h.find_first_of(", \t") != std::string::npos)
            throw ConfigError("set_hostlist: bad host name '" + h + "'");
    switch (family(run_command)) {
        case Family::Srun:
            run_args["nodelist"] = join(hosts);
            return;
        case Family::OpenMpi:
            run_args["host"] = join(hosts);
            return;
        case Family::Aprun:
            run_args["L"] = join(hosts);
            return;
        default:
            unsupported(*this, "set_hostlist (jsrun places by resource sets: use an ERF file)");
    }
}

void RunSettings::set_excluded_hosts(const std::vector<std::string>& hosts) {
    if (hosts.empty()) throw ConfigError("set_excluded_hosts: no hosts");
    switch (family(run_command)) {
        case Family::Srun:
            run_args["exclude"] = join(hosts);
            return;
        case Family::Aprun:
            run_args["E"] = join(hosts);
            return;
        default:
            unsupported(*this, "set_excluded_hosts");
    }
}

void RunSettings::set_cpu_bindings(const std::vector<int>& cpus) {
    if (cpus.empty()) throw ConfigError("set_cpu_bindings: no CPUs");
    std::vector<std::string> ids;
    for (int c : cpus) {
        if (c < 0) throw ConfigError("set_cpu_bindings: negative CPU id");
        ids.push_back(std::to_string(c));
    }
    switch (family(run_command)) {
        case Family::Srun:
            run_args["cpu-bind"] = "map_cpu:" + join(ids);
            return;
        case Family::Aprun:
            run_args["cc"] = join(ids);
            return;
        case Family::OpenMpi:
            run_args["cpu-set"] = join(ids);
            return;
        default:
            unsupported(*this, "set_cpu_bindings");
    }
}

void RunSettings::set_memory_per_node(int megabytes) {
    positive(megabytes, "set_memory_per_node");
    switch (family(run_command)) {
        case Family::Srun:
            run_args["mem"] = std::to_string(megabytes) + "M";
            return;
        case Family::Aprun:
            run_args["m"] = std::to_string(megabytes) + "M";
            return;
        case Family::Jsrun:
            run_args["memory_per_rs"] = std::to_string(megabytes);
            return;
        default:
            unsupported(*this, "set_memory_per_node");
    }
}

void RunSettings::set_walltime(const std::string& hhmmss) {
    int h = 0, m = 0, s = 0;
    char c1 = 0, c2 = 0;
    if (std::sscanf(hhmmss.c_str(), "%d%c%d%c%d", &h, &c1, &m, &c2, &s) != 5 || c1 != ':' ||
        c2 != ':' || h < 0 || m < 0 || m > 59 || s < 0 || s > 59)
        throw ConfigError("set_walltime: expected HH:MM:SS, got '" + hhmmss + "'");
    switch (family(run_command)) {
        case Family::Srun:
            run_args["time"] = hhmmss;
            return;
        case Family::Aprun:
            run_args["t"] = std::to_string(h * 3600 + m * 60 + s);
            return;
        default:
            unsupported(*this, "set_walltime");
    }
}

void RunSettings::set_mpi(const std::string& plugin) {
    if (family(run_command) != Family::Srun) unsupported(*this, "set_mpi (srun's --mpi)");
    if (plugin.empty()) throw ConfigError("set_mpi: no plugin name");
    run_args["mpi"] = plugin;
}

void RunSettings::make_mpmd(const RunSettings& other) {
    if (family(run_command) != Family::Srun && family(run_command) != Family::OpenMpi &&
        family(run_command) != Family::Aprun)
        unsupported(*this, "make_mpmd");
    if (other.run_command != run_command)
        throw ConfigError("make_mpmd: both settings need the same run command ('" + run_command +
                          "' vs '" + other.run_command + "')");
    if (!other.mpmd.empty()) throw ConfigError("make_mpmd: the added settings are MPMD already");
    if (other.exe.empty()) throw ConfigError("make_mpmd: the added settings have no executable");
    mpmd.push_back(other);
}

}  // namespace insitu
