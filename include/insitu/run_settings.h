// How an application is run (SmartSim's RunSettings and its Srun/Mpirun/Aprun/Jsrun variants): the
// executable and its arguments, the parallel run command wrapping it ("" runs it directly,
// "mpirun"/"mpiexec" through Open MPI, "srun" under Slurm; "aprun" and "jsrun" are generated for
// PBS and LSF sites), the run command's own arguments (`{"np", "2"}` becomes `--np 2`) and extra
// environment variables. The setters below write the argument each run command spells for that
// meaning (set_tasks: srun --ntasks, mpirun --np, aprun -n, jsrun --np) and throw when the run
// command has no such argument.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace insitu {

struct RunSettings {
    std::string exe;
    std::vector<std::string> exe_args;
    std::string run_command;                      // "" or "mpirun"
    std::map<std::string, std::string> run_args;  // name (no dashes) -> value ("" for a flag)
    std::map<std::string, std::string> env_vars;

    // The number of ranks (srun --ntasks, mpirun --np, aprun -n, jsrun --np).
    void set_tasks(int n);
    // Ranks per node (srun --ntasks-per-node, mpirun --npernode, aprun -N, jsrun --rs_per_host).
    void set_tasks_per_node(int n);
    // Nodes (srun --nodes; Open MPI has none: it follows the host list or allocation).
    void set_nodes(int n);
    // CPUs per rank (srun --cpus-per-task, mpirun --map-by slot:PE=n, aprun -d, jsrun
    // --cpu_per_rs).
    void set_cpus_per_task(int n);
    // Run on exactly these hosts (srun --nodelist, mpirun --host, aprun -L).
    void set_hostlist(const std::vector<std::string>& hosts);
    // Never on these hosts (srun --exclude, aprun -E).
    void set_excluded_hosts(const std::vector<std::string>& hosts);
    // Rank i bound to CPU cpus[i] (srun --cpu-bind=map_cpu:..., aprun -cc, mpirun --cpu-set).
    void set_cpu_bindings(const std::vector<int>& cpus);
    // Memory per node in MiB (srun --mem, aprun -m per PE, jsrun --memory_per_rs).
    void set_memory_per_node(int megabytes);
    // Wall-clock limit "HH:MM:SS" (srun --time; aprun -t takes seconds and gets them).
    void set_walltime(const std::string& hhmmss);
    // srun --mpi=<plugin> (e.g. "pmix" for Open MPI applications).
    void set_mpi(const std::string& plugin);
    // Adds another program to the same launch (srun "a : b", mpirun "a : b"; MPMD). Its own
    // run_args apply to it; it shares this step's environment.
    void make_mpmd(const RunSettings& other);
    // Any run-command argument; an empty value makes it a flag.
    void set(const std::string& arg, const std::string& value = "");
    void add_exe_args(const std::vector<std::string>& args);
    void update_env(const std::map<std::string, std::string>& env);
    // The rank count given with set_tasks (1 when unset).
    int tasks() const;

    // How long the step may wait for its resources (a workload manager's queue or a busy
    // allocation) before it is failed with the workload manager's reason, in seconds; 0 waits
    // without a limit (still reported every minute). Unset: Experiment::set_start_timeout, else
    // $INSITU_STEP_START_TIMEOUT, else 300 s. Local launches start at once and ignore it.
    void set_start_timeout(double seconds);

    // The further programs of an MPMD launch (make_mpmd).
    std::vector<RunSettings> mpmd{};
    // set_start_timeout's value.
    std::optional<double> start_timeout{};
};

}  // namespace insitu
