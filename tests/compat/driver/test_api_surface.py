"""SmartSim 0.8's public driver names exist in insitu (the surface a driver touches), and the
behaviour that needs no running database: settings warnings, argument handling, summary styles,
constructor checks. Databases and applications are exercised in test_compat_driver.py."""

import logging
import re

import pytest

import insitu
import insitu.log
from insitu import Ensemble, Experiment, Model, Orchestrator, RunSettings
from insitu.database import Orchestrator as DatabaseOrchestrator
from insitu.entity import EntitySequence
from insitu.settings import MpirunSettings, SrunSettings

# Public names of SmartSim 0.8's classes that insitu provides (docs/compatibility.md lists the
# ones it does not, with the reason).
EXPERIMENT = ["start", "stop", "generate", "poll", "finished", "get_status", "create_ensemble", "create_model",
              "create_run_settings", "create_batch_settings", "create_database", "reconnect_orchestrator",
              "preview", "summary", "telemetry", "name", "exp_path"]
RUN_SETTINGS = ["set_nodes", "set_tasks", "set_tasks_per_node", "set_task_map", "set_cpus_per_task", "set_hostlist",
                "set_hostlist_from_file", "set_excluded_hosts", "set_cpu_bindings", "set_memory_per_node",
                "set_verbose_launch", "set_quiet_launch", "set_broadcast", "set_time", "set_walltime",
                "set_binding", "set_mpmd_preamble", "make_mpmd", "run_command", "update_env", "add_exe_args",
                "set", "format_run_args", "format_env_vars", "exe", "exe_args", "run_args", "env_vars"]
MODEL = ["name", "path", "type", "params", "run_settings", "batch_settings", "params_as_args", "params_to_args",
         "incoming_entities", "files", "colocated", "set_path", "db_models", "db_scripts", "add_ml_model",
         "add_script", "add_function", "attach_generator_files", "attached_files_table", "print_attached_files",
         "enable_key_prefixing", "disable_key_prefixing", "query_key_prefixing", "register_incoming_entity",
         "colocate_db", "colocate_db_tcp", "colocate_db_uds"]
ENSEMBLE = ["models", "entities", "add_model", "add_ml_model", "add_script", "add_function", "attach_generator_files",
            "attached_files_table", "print_attached_files", "enable_key_prefixing", "query_key_prefixing",
            "register_incoming_entity", "db_models", "db_scripts", "batch", "type", "__iter__", "__getitem__",
            "__len__"]
ORCHESTRATOR = ["get_address", "is_active", "num_shards", "db_nodes", "db_identifier", "hosts", "checkpoint_file",
                "batch", "type", "telemetry", "remove_stale_files", "set_cpus", "set_walltime", "set_hosts",
                "set_batch_arg", "set_run_arg", "enable_checkpoints", "set_max_memory", "set_eviction_strategy",
                "set_max_clients", "set_max_message_size", "set_db_conf"]
LOG = ["get_logger", "log_to_file", "log_to_exp_file", "method_contextualizer", "ContextThread",
       "ContextInjectingLogFilter", "ContextAwareLogger", "HostnameFilter", "LowPassFilter", "ctx_exp_path",
       "get_exp_log_paths", "DEFAULT_DATE_FORMAT", "DEFAULT_LOG_FORMAT", "EXPERIMENT_LOG_FORMAT"]


@pytest.mark.parametrize("cls,names", [(Experiment, EXPERIMENT), (RunSettings, RUN_SETTINGS), (Model, MODEL),
                                       (Ensemble, ENSEMBLE), (Orchestrator, ORCHESTRATOR), (insitu.log, LOG)])
def test_smartsim_public_names_exist(cls, names):
    missing = [n for n in names if not hasattr(cls, n)]
    assert not missing, f"{cls.__name__} lacks {missing}"
    assert DatabaseOrchestrator is Orchestrator and SrunSettings is RunSettings and MpirunSettings is RunSettings
    assert issubclass(Ensemble, EntitySequence)


def test_run_settings_arguments_and_warnings(tmp_path, capsys):
    rs = RunSettings("echo", exe_args="hello  big world")
    assert rs.exe_args == ["hello", "big", "world"] and rs.run_command is None
    rs.set("--foo", "1")
    rs.set("bar")
    rs.set("skipped", "x", condition=False)
    assert rs.run_args == {"foo": "1", "bar": ""}
    assert rs.format_run_args() == ["bar", "None", "foo", "1"]
    rs.update_env({"A": 1})
    assert rs.format_env_vars() == ["A=1"]
    with pytest.raises(TypeError, match="env_vars"):
        rs.update_env({"B": object()})
    with pytest.raises(TypeError, match="Executable arguments"):
        RunSettings("echo", exe_args=[object()])
    capsys.readouterr()
    rs.set_nodes(4)
    rs.set_memory_per_node(100)
    out = capsys.readouterr().out
    assert "Node specification not implemented" in out and "Memory per node specification not implemented" in out
    assert "nodes" not in rs.run_args
    # With mpirun: task counts are written, a node count (Open MPI has none) is warned about.
    exp = Experiment("settings", exp_path=str(tmp_path / "exp"))
    mpi = exp.create_run_settings("echo", run_command="mpirun") if _has("mpirun") else RunSettings("echo", run_command="mpirun")
    mpi.set_tasks(4)
    mpi.set_nodes(2)
    assert mpi.run_args["np"] == "4" and "nodes" not in mpi.run_args
    assert "Node specification not implemented" in capsys.readouterr().out
    with pytest.raises(ValueError, match=">= 1"):
        mpi.set_tasks(0)


def _has(exe):
    import shutil
    return shutil.which(exe) is not None


def test_summary_styles_and_constructor_checks(tmp_path):
    exp = Experiment("styles", exp_path=str(tmp_path / "exp"))
    m = exp.create_model("m", exp.create_run_settings("true"))
    exp.start(m)
    github = exp.summary()
    assert re.match(r"\|\s+\| Name \| Entity-Type \| JobID\s*\| RunID \| Time\s+\| Status\s+\| Returncode \|\n\|-", github)
    assert re.search(r"^\|\s+0 \| m\s+\| Model\s+\| \d+\s*\| 0\s+\| \d+\.\d{4} \| Completed \| 0\s+\|$", github, re.M)
    plain = exp.summary(style="plain").splitlines()
    assert len(plain) == 2 and plain[0].split() == ["Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode"]
    grid = exp.summary(style="grid").splitlines()
    assert grid[0].startswith("+--") and grid[2].startswith("+==") and grid[-1].startswith("+--")
    assert exp.summary(style="no-such-style") == exp.summary(style="simple")
    assert exp.summary(style="tsv").splitlines()[1].split("\t")[1:3] == ["m", "Model"]
    with pytest.raises(ValueError, match="db_nodes"):
        Orchestrator(db_nodes=2)
    with pytest.raises(ValueError, match="batch"):
        Orchestrator(batch=True, launcher="local")
    db = Orchestrator(port=6399, path=str(tmp_path / "db"), interface=["lo", "eth0"], threads_per_queue=2)
    assert (db.port, db.num_shards, db.interface, db.type, db.is_active()) == (6399, 1, "lo", "Orchestrator", False)
    assert db.checkpoint_file == str(tmp_path / "db" / "smartsim_db.dat")
    db.telemetry.enable()
    assert db.telemetry.is_enabled
    with pytest.raises(ValueError, match="strategy"):
        exp.create_ensemble("e", params={"a": [1]}, run_settings=RunSettings("true"), perm_strategy="nope")
    with pytest.raises(TypeError, match="strategy"):
        exp.create_ensemble("e", params={"a": [1]}, run_settings=RunSettings("true"), perm_strategy=lambda *a: 3)
    with pytest.raises(ValueError, match="params or replicas"):
        exp.create_ensemble("e", run_settings=RunSettings("true"))
    with pytest.raises(ValueError, match="params_as_args|not among"):
        exp.create_ensemble("e", params={"a": [1]}, run_settings=RunSettings("true"), params_as_args=["b"])
    with pytest.raises(ValueError, match="batch queue"):
        exp.create_batch_settings()


def test_log_levels_and_context(tmp_path, monkeypatch, capsys):
    logger = insitu.log.get_logger("user")
    assert logger.name == "insitu"
    logger.debug("hidden")
    logger.info("shown")
    out = capsys.readouterr().out
    assert "hidden" not in out and re.search(r"^\d\d:\d\d:\d\d \S+ insitu\[\d+\] INFO shown$", out, re.M)
    monkeypatch.setenv("SMARTSIM_LOG_LEVEL", "developer")
    assert insitu.log.get_logger("mine").name == "mine"
    monkeypatch.setenv("SMARTSIM_LOG_LEVEL", "quiet")
    quiet = insitu.log.get_logger("x")
    quiet.info("not at quiet")
    quiet.warning("warned")
    out = capsys.readouterr().out
    assert "not at quiet" not in out and "WARNING warned" in out
    monkeypatch.delenv("SMARTSIM_LOG_LEVEL")
    insitu.log.get_logger("x")
    seen = []
    token = insitu.log.ctx_exp_path.set(str(tmp_path))
    try:
        t = insitu.log.ContextThread(target=lambda: seen.append(insitu.log.ctx_exp_path.get()))
        t.start()
        t.join()
        assert insitu.log.get_exp_log_paths()[1] == tmp_path / ".smartsim" / "logs" / "smartsim.err"
        logging.getLogger("insitu").warning("into the experiment log")
    finally:
        insitu.log.ctx_exp_path.reset(token)
    assert seen == [str(tmp_path)]
    assert "into the experiment log" in (tmp_path / ".smartsim" / "logs" / "smartsim.err").read_text()
