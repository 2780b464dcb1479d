"""Fixtures for the SmartSim-compatibility driver tests: each test runs SmartSim-style driver
programs (tests/compat/driver/drivers) as separate processes in its own directory, and afterwards
no process may remain that runs there. The process and port helpers are the driver-API suite's
(tests/python_driver/conftest.py)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("python_driver_conftest",
                                               HERE.parent.parent / "python_driver" / "conftest.py")
_util = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_util)
free_port = _util.free_port
free_port_block = _util.free_port_block
processes_under = _util.processes_under
wait_no_processes = _util.wait_no_processes


@pytest.fixture
def workdir(tmp_path):
    shutil.copy(HERE / "apps" / "report.py", tmp_path / "report.py")
    yield tmp_path
    left = wait_no_processes(str(tmp_path))
    assert not left, "processes left behind:\n" + "\n".join(left)


def run_driver(name, cwd, *args, env=None, timeout=240):
    """Runs drivers/<name>.py in cwd with /usr/bin/python3; fails the test unless it exits 0."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.pop("SSDB", None)
    full_env.pop("SR_DB_TYPE", None)
    p = subprocess.run([sys.executable, str(HERE / "drivers" / f"{name}.py"), *map(str, args)], cwd=cwd,
                       env=full_env, capture_output=True, text=True, timeout=timeout)
    out = p.stdout + p.stderr
    assert p.returncode == 0, f"driver {name} failed ({p.returncode}):\n{out}"
    return out


def lines_with(text, tag):
    return [line[len(tag) + 1:] for line in text.splitlines() if line.startswith(tag + " ")]


def report_of(path):
    """The REPORT line the application printed to its .out file."""
    text = Path(path).read_text()
    found = lines_with(text, "REPORT")
    assert found, f"no REPORT line in {path}:\n{text}"
    return json.loads(found[-1])
