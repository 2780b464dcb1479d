// How an application is run (SmartSim's RunSettings / MpirunSettings): the executable and its
// arguments, the parallel run command wrapping it ("" runs it directly, "mpirun" through Open MPI),
// the run command's own arguments (`{"np", "2"}` becomes `--np 2`) and extra environment variables.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace insitu {

struct RunSettings {
    std::string exe;
    std::vector<std::string> exe_args;
    std::string run_command;                       // "" or "mpirun"
    std::map<std::string, std::string> run_args;   // name (no dashes) -> value ("" for a flag)
    std::map<std::string, std::string> env_vars;

    // mpirun --np n (the number of ranks).
    void set_tasks(int n);
    // mpirun --npernode n.
    void set_tasks_per_node(int n);
    // Any run-command argument; an empty value makes it a flag.
    void set(const std::string& arg, const std::string& value = "");
    void add_exe_args(const std::vector<std::string>& args);
    void update_env(const std::map<std::string, std::string>& env);
    // The rank count given with set_tasks (1 when unset).
    int tasks() const;
};

}  // namespace insitu
