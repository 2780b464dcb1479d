"""HPC settings through the Python driver API: batch settings, srun arguments, launcher "auto".
Generation only (the Slurm runs themselves are tested from C++ against a real Slurm)."""
import pytest

import insitu


def test_auto_launcher_without_a_workload_manager_is_local(tmp_path, monkeypatch):
    for var in ("SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID"):
        monkeypatch.delenv(var, raising=False)
    exp = insitu.Experiment("auto", exp_path=str(tmp_path / "auto"), launcher="auto")
    assert exp.launcher == "local"


def test_slurm_batch_settings_become_sbatch_arguments(tmp_path):
    exp = insitu.Experiment("batch", exp_path=str(tmp_path / "batch"), launcher="slurm")
    bs = exp.create_batch_settings(nodes=2, time="00:10:00", queue="debug", account="proj")
    assert bs.batch_cmd == "sbatch"
    assert bs.batch_args == {"nodes": "2", "time": "00:10:00", "partition": "debug", "account": "proj"}
    bs.set_batch_arg("exclusive")
    assert bs.batch_args["exclusive"] == ""
    bs.add_preamble("module load foo")
    assert bs.preamble == ["module load foo"]
    # Arguments the launcher sets itself are refused, naming them.
    with pytest.raises(ValueError, match="job-name"):
        bs.set_batch_arg("job-name", "x")
    with pytest.raises(ValueError, match="HH:MM:SS"):
        bs.set_walltime("ten minutes")
    model = exp.create_model("m", exp.create_run_settings(exe="/bin/true"))
    model.set_batch_settings(bs)


def test_local_launcher_has_no_batch_settings(tmp_path):
    exp = insitu.Experiment("nobatch", exp_path=str(tmp_path / "nobatch"), launcher="local")
    with pytest.raises(ValueError, match="no batch queue"):
        exp.create_batch_settings(nodes=1)


def test_srun_settings_write_srun_arguments(tmp_path):
    exp = insitu.Experiment("srun", exp_path=str(tmp_path / "srun"), launcher="slurm")
    rs = exp.create_run_settings(exe="./app", run_command="srun")
    rs.set_nodes(2)
    rs.set_tasks(4)
    rs.set_cpus_per_task(1)
    rs.set_hostlist(["n1", "n2"])
    rs.set_walltime("00:05:00")
    rs.set_mpi("pmix")
    assert rs.run_args["nodes"] == "2"
    assert rs.run_args["ntasks"] == "4"
    assert rs.run_args["cpus-per-task"] == "1"
    assert rs.run_args["nodelist"] == "n1,n2"
    assert rs.run_args["mpi"] == "pmix"
    with pytest.raises(ValueError):
        rs.set_nodes(0)


def test_start_timeouts_are_checked(tmp_path):
    # How long a step may wait for its resources (docs/hpc.md); negative values are refused.
    exp = insitu.Experiment("wait", exp_path=str(tmp_path / "wait"), launcher="slurm")
    exp.set_start_timeout(60)
    rs = exp.create_run_settings(exe="./app", run_command="srun")
    rs.set_start_timeout(0)  # no limit
    with pytest.raises(ValueError, match="set_start_timeout"):
        rs.set_start_timeout(-1)
    with pytest.raises(ValueError, match="set_start_timeout"):
        exp.set_start_timeout(-5)
