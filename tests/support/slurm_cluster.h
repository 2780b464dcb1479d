// A real Slurm for tests: its own munged (fresh key), a slurmctld and N slurmd processes on this
// host emulating N nodes, every file under one fresh directory and every port free. Up in about a
// second; torn down by stop() and the destructor (jobs cancelled, daemons stopped, any process
// that still carries the cluster's marker killed), and, should the test binary die, by
// PR_SET_PDEATHSIG. Every Slurm client call goes through run(), under a deadline.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace insitu::testing {

class SlurmCluster {
  public:
    struct Options {
        int nodes = 2;
        int cpus_per_node = 4;  // may exceed the host's CPUs (tests oversubscribe on purpose)
        std::chrono::milliseconds start_timeout{std::chrono::seconds(20)};
    };
    // True when slurmctld, slurmd, munged and the clients are installed (scripts/install-deps).
    static bool available();

    SlurmCluster();  // default Options
    explicit SlurmCluster(Options opts);
    ~SlurmCluster();
    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;

    const std::string& dir() const { return dir_; }
    std::string conf_path() const { return dir_ + "/slurm.conf"; }
    // The job completion log (jobcomp/filetxt).
    std::string jobcomp_path() const { return dir_ + "/jobcomp.txt"; }
    const std::vector<std::string>& nodes() const { return nodes_; }

    // A Slurm client command (sinfo, squeue, ...) against this cluster, killed at the deadline.
    struct Result {
        int rc = -1;
        bool timed_out = false;
        std::string out, err;
    };
    Result run(const std::vector<std::string>& argv,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    // Cancels every job, stops the daemons and kills whatever still carries the cluster's marker.
    // Safe to call twice.
    void stop();
    // Live (non-zombie) processes started for this cluster: daemons, slurmstepd, and job
    // processes (they inherit SLURM_CONF=<dir>/slurm.conf).
    std::vector<std::string> leftovers() const;
    // The pids of the daemons (munged, slurmctld, slurmd...), for tests of the teardown.
    std::vector<int> daemon_pids() const;

  private:
    void start();
    void wait_idle();
    std::string logs() const;
    Options opts_;
    std::string dir_, host_;
    int ctld_port_ = 0;
    std::vector<std::string> nodes_;
    struct Daemon;
    std::vector<Daemon*> daemons_;
    bool stopped_ = false;
};

}  // namespace insitu::testing
