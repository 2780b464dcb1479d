"""Fixtures for the driver-API tests: each test gets its own experiment directory, and after it
no process may remain whose command line or working directory mentions that directory."""

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "support"))
from free_ports import free_port, free_port_block  # noqa: E402,F401  (the tests import them from here)


def processes_under(marker):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except (OSError, IndexError):
            continue
        if marker in cmd or marker in cwd:
            found.append(f"{pid}: {cmd}")
    return found


def wait_no_processes(marker, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not processes_under(marker):
            return []
        time.sleep(0.05)
    return processes_under(marker)


def write_app(path, text, name="app"):
    p = path / name
    p.write_text(text)
    p.chmod(0o755)
    return str(p)


def read(path):
    with open(path) as f:
        return f.read()


@pytest.fixture
def exp_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    left = wait_no_processes(str(tmp_path))
    assert not left, "processes left behind:\n" + "\n".join(left)


