"""SmartSim 0.8 driver programs, written as SmartSim's documentation writes them with only the
import changed, run through real experiments (local launcher; standalone, 3-shard cluster and
co-located databases). Each test asserts what the driver printed, the argv and environment its
applications saw, the statuses, the warnings logged and the files written."""

import ast
import os
import re
import sys

from insitu import Experiment, SmartSimStatus

from conftest import free_port, free_port_block, lines_with, report_of, run_driver


def test_hello_world_warns_on_local_setters_and_summarises_as_html(workdir):
    out = run_driver("hello_world", workdir)
    exp_dir = workdir / "hello_world_exp"
    assert (exp_dir / "hello_world" / "hello_world.out").read_text() == "hello world\n"
    assert lines_with(out, "STATUS") == ["Completed"]
    assert lines_with(out, "RUN_COMMAND") == ["None"]
    # SmartSim's base RunSettings warns and ignores each of these on the local launcher.
    for what in ("Node", "Task per node", "Task"):
        assert re.search(rf"WARNING {what} specification not implemented for this RunSettings type", out), out
    # The logger writes SmartSim's format: time host name[pid] LEVEL message.
    assert re.search(r"^\d\d:\d\d:\d\d \S+ insitu\[\d+\] INFO \[<SmartSimStatus.STATUS_COMPLETED", out, re.M), out
    html = out[out.index("<table>"):out.index("</table>") + len("</table>")]
    assert "<th>Name</th>" in html and "<th>Entity-Type</th>" in html and "<th>Returncode</th>" in html
    assert "<td>hello_world</td>" in html and "<td>Model</td>" in html and "<td>Completed</td>" in html
    assert "<td>0</td>" in html


def test_run_command_none_and_auto_and_exe_args_split(workdir):
    out = run_driver("run_commands", workdir)
    none_line, = lines_with(out, "NONE")
    auto_line, = lines_with(out, "AUTO")
    assert none_line == "None ['report.py', '--redis-port', '6899']"
    assert auto_line == "None ['report.py', 'two words', 'x', '--extra', '1']"
    for what in ("CPU per node", "Hostlist", "Walltime"):
        assert f"{what} specification not implemented" in out
    assert lines_with(out, "STATUS") == ["['Completed', 'Completed']"]
    exp_dir = workdir / "run_commands"
    assert report_of(exp_dir / "none_model" / "none_model.out")["argv"] == ["--redis-port", "6899"]
    assert report_of(exp_dir / "auto_model" / "auto_model.out")["argv"] == ["two words", "x", "--extra", "1"]


def test_ensembles_permutations_params_as_args_and_lookup(workdir):
    out = run_driver("ensembles", workdir)
    members = {line.split()[0]: line for line in lines_with(out, "MEMBERS")}
    assert members["all_perm"] == "all_perm Ensemble 4 ['all_perm_0', 'all_perm_1', 'all_perm_2', 'all_perm_3']"
    assert members["step"] == "step Ensemble 2 ['step_0', 'step_1']"
    assert members["rand"].startswith("rand Ensemble 3 ")
    assert members["replicas"] == "replicas Ensemble 2 ['replicas_0', 'replicas_1']"
    assert members["custom"] == "custom Ensemble 2 ['custom_0', 'custom_1']"
    params = {line.split(" ", 1)[0]: ast.literal_eval(line.split(" ", 1)[1]) for line in lines_with(out, "PARAMS")}
    assert params["all_perm"] == [{"name": "Ellie", "parameter": "2"}, {"name": "Ellie", "parameter": "11"},
                                  {"name": "John", "parameter": "2"}, {"name": "John", "parameter": "11"}]
    assert params["step"] == [{"name": "Ellie", "parameter": "2"}, {"name": "John", "parameter": "11"}]
    rand = params["rand"]
    assert len(rand) == 3 and len({tuple(sorted(p.items())) for p in rand}) == 3
    assert all(p in params["all_perm"] for p in rand)
    assert params["custom"] == [{"name": "John"}, {"name": "Ellie"}]
    assert lines_with(out, "LOOKUP") == ["all_perm_1 None"]
    assert lines_with(out, "ENTITIES") == ["['step_0', 'step_1']"]
    assert lines_with(out, "DB_SCRIPTS") == ["['times_two'] [['times_two'], ['times_two']]"]
    assert lines_with(out, "PREFIX") == ["True"]
    assert lines_with(out, "STATUS") == [str(["Completed"] * 8)]
    exp_dir = workdir / "ensembles"
    # params_as_args: long names become --name=value, in the order given.
    assert report_of(exp_dir / "all_perm" / "all_perm_1" / "all_perm_1.out")["argv"] == \
        ["--name=Ellie", "--parameter=11"]
    assert report_of(exp_dir / "step" / "step_1" / "step_1.out")["argv"] == ["--name=John"]
    assert report_of(exp_dir / "custom" / "custom_0" / "custom_0.out")["env"]["SSKEYOUT"] == "custom_0"


def test_standalone_cluster_and_colocated_databases(workdir):
    ports, used = {}, set()
    for name, n in (("CLUSTER_PORT", 3), ("DB_PORT", 1), ("COLO_PORT", 1)):
        ports[name] = free_port_block(n, taken=used)
        used |= {q for i in range(n) for q in (ports[name] + i, ports[name] + i + 10000)}
    out = run_driver("databases", workdir, env={k: str(v) for k, v in ports.items()})
    exp_dir = workdir / "databases"
    checkpoint, = lines_with(out, "CHECKPOINT")
    assert checkpoint == f"True {exp_dir / 'standalone_db' / 'smartsim_db.dat'}"
    standalone, = lines_with(out, "STANDALONE")
    assert standalone == f"['Completed'] ['127.0.0.1:{ports['DB_PORT']}']"
    assert lines_with(out, "STANDALONE_DB") == ["['Cancelled']"]
    rep = report_of(exp_dir / "standalone_app" / "standalone_app.out")
    assert rep["env"]["SSDB"] == f"127.0.0.1:{ports['DB_PORT']}" and rep["env"]["SR_DB_TYPE"] == "Standalone"
    assert rep["tensor"] == [0.0, 1.0, 2.0, 3.0]
    assert lines_with(out, "CLUSTER") == ["['Completed', 'Completed'] 3"]
    for i in range(2):
        rep = report_of(exp_dir / "cluster_app" / f"cluster_app_{i}" / f"cluster_app_{i}.out")
        assert rep["env"]["SR_DB_TYPE"] == "Clustered" and len(rep["env"]["SSDB"].split(",")) == 3
        assert rep["tensor"] == [0.0, 1.0, 2.0, 3.0] and rep["key"] == f"cluster_app_{i}_data"
    assert lines_with(out, "COLOCATED") == ["['Completed'] True"]
    rep = report_of(exp_dir / "colocated_app" / "colocated_app.out")
    assert rep["env"]["SSDB"] == f"127.0.0.1:{ports['COLO_PORT']}" and rep["tensor"] == [0.0, 1.0, 2.0, 3.0]
    # The default summary is tabulate's "github" table.
    assert re.search(r"^\|\s+\| Name\s+\| Entity-Type\s+\| JobID", out, re.M)
    assert re.search(r"^\|\s+\d+ \| colocated_app\s+\| Model\s+\|", out, re.M)


def test_reconnect_orchestrator_from_a_second_driver_with_preview_and_log_file(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    exp = Experiment("first_driver", launcher="local")
    db = exp.create_database(port=free_port(), interface="lo")
    try:
        exp.start(db)
        assert os.path.exists(db.checkpoint_file)
        out = run_driver("preview_reconnect", workdir, db.checkpoint_file)
        addr = db.get_address()
        assert lines_with(out, "RECONNECTED") == [f"True {addr} ['Running']"]
        rep = report_of(workdir / "second_driver" / "consumer" / "consumer.out")
        assert rep["env"]["SSDB"] == addr[0] and rep["tensor"] == [0.0, 1.0, 2.0, 3.0]
        assert lines_with(out, "STATUS") == ["['Completed']"]
        assert lines_with(out, "STOPPED") == ["False"]
        # The second driver's stop shut the database down.
        assert not db.is_active()
        preview = (workdir / "preview.txt").read_text()
        assert "Experiment Name: second_driver" in preview and "Database Identifier: orchestrator" in preview
        assert f"Address(es): {addr[0]}" in preview
        assert "== Model: consumer ==" in preview and "Executable Arguments: report.py" in preview
        assert "Model Parameter: steps = 10" in preview
        assert "== Model: consumer ==" in out  # the second preview was logged
        assert "=== Launch Summary ===" in out
        # Records logged inside Experiment methods also go to the experiment's log files.
        exp_log = (workdir / "second_driver" / ".smartsim" / "logs" / "smartsim.out").read_text()
        assert "{" + str(workdir / "second_driver") + "}" in exp_log and "=== Launch Summary ===" in exp_log
        log = (workdir / "driver.log").read_text()
        assert re.search(r"^\d\d:\d\d:\d\d \S+ insitu\[\d+\] DEBUG debug line for the file only$", log, re.M), log
        assert "debug line for the file only" not in out  # console level stays info
    finally:
        exp.stop()
    assert exp.get_status(db) == [SmartSimStatus.STATUS_CANCELLED] or not db.is_active()


def test_reconnect_refuses_missing_and_stopped_databases(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    exp = Experiment("refusals", launcher="local")
    try:
        exp.reconnect_orchestrator(str(workdir / "nope.dat"))
        raise AssertionError("no error for a missing checkpoint")
    except FileNotFoundError as e:
        assert "nope.dat" in str(e)
    db = exp.create_database(port=free_port(), interface="lo")
    exp.start(db)
    ckpt = db.checkpoint_file
    exp.stop(db)
    other = Experiment("other", launcher="local")
    try:
        other.reconnect_orchestrator(ckpt)
        raise AssertionError("no error for a stopped database")
    except RuntimeError as e:
        assert "is not running" in str(e)
    bad = workdir / "bad.dat"
    bad.write_text("something else\n")
    try:
        other.reconnect_orchestrator(str(bad))
        raise AssertionError("no error for a foreign file")
    except ValueError as e:
        assert "not a database checkpoint" in str(e)
