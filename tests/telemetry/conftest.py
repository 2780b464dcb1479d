"""Each test gets its own experiment folder; afterwards no process may remain that mentions it
(databases, applications, dashboards)."""
import importlib.util
from pathlib import Path

import pytest

# The driver tests' process check (python_driver/conftest.py), loaded under another name.
_spec = importlib.util.spec_from_file_location(
    "driver_conftest", Path(__file__).resolve().parent.parent / "python_driver" / "conftest.py")
driver_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(driver_conftest)
processes_under = driver_conftest.processes_under
wait_no_processes = driver_conftest.wait_no_processes


@pytest.fixture
def exp_dir(tmp_path):
    d = tmp_path / "exp"
    yield d
    left = wait_no_processes(str(tmp_path), timeout=10)
    assert not left, "processes left behind:\n" + "\n".join(left)
