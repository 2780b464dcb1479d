"""The telemetry files: the documented schema, the size bound under fast sampling, a restarted
driver appending, the off switch, a SIGKILLed driver (its monitor thread goes with it), TLS and
co-located databases sampled, and `insitu status`."""
import json
import os
import signal
import subprocess
import time

import pytest

from helpers import (CLI, driver_log, start_driver, telemetry_bytes, telemetry_records,
                     wait_for)

pytestmark = pytest.mark.skipif(not os.environ.get("INSITU_HAVE_TORCH"),
                                reason="the TORCH backend is not built")


def tdir(exp_dir):
    return exp_dir / ".insitu" / "telemetry"


def status_text(exp_dir):
    r = subprocess.run([CLI, "status", "--exp-dir", str(exp_dir)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def row(text, name):
    """The cells of the table row whose first cell is `name`."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name} in\n{text}")


def test_size_stays_bounded_under_fast_sampling_and_records_follow_the_schema(exp_dir):
    """0.02 s sampling for 15 s (750 samples, the load of a 12-minute run at 1 s) with a 32 KiB
    budget; ten short ensemble members make the entity records compact as well."""
    cap = 32 * 1024
    env = {"INSITU_TELEMETRY_INTERVAL": "0.02", "INSITU_TELEMETRY_MAX_MB": str(cap / 2**20)}
    driver = start_driver(exp_dir, "--seconds", "15", "--ensemble", "10", env=env)
    biggest = 0
    try:
        wait_for("telemetry", lambda: tdir(exp_dir).is_dir(), 90)
        while driver.poll() is None:
            biggest = max(biggest, telemetry_bytes(exp_dir))
            time.sleep(0.05)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.wait() == 0, driver_log(exp_dir)
    assert (tdir(exp_dir) / "samples.1.jsonl").exists(), "the samples never rotated"
    records = telemetry_records(exp_dir)  # every line checked against the schema
    longest = max(len(json.dumps(r)) for r in records) + 1
    assert biggest <= cap + longest, (biggest, cap)
    assert telemetry_bytes(exp_dir) <= cap + longest
    shards = [r for r in records if r["kind"] == "shard"]
    # What is kept is the newest: samples up to the end of the run, with the model's calls.
    assert shards[-1]["t"] > time.time() - 30
    calls = [o["calls"] for r in shards if r["up"] for o in r["objects"] if o["key"] == "mlp"]
    assert calls and calls[-1] > 0
    gaps = [b["t"] - a["t"] for a, b in zip(shards, shards[1:])]
    assert sorted(gaps)[len(gaps) // 2] < 0.2, "not sampled at the configured interval"
    # Compaction kept the latest state of each job it kept, and the app's.
    text = status_text(exp_dir)
    assert row(text, "app")[4] == "Completed"
    assert row(text, "orchestrator_0")[4] == "Cancelled"
    assert row(text, "orchestrator")[3] == "yes"  # the shard table: DB, Shard, Address, Up


def test_restarted_driver_appends(exp_dir):
    for i in range(2):
        d = start_driver(exp_dir, "--seconds", "2")
        assert d.wait(120) == 0, driver_log(exp_dir)
        if i == 0:
            before = (tdir(exp_dir) / "entities.jsonl").read_text()
            samples_before = (tdir(exp_dir) / "samples.jsonl").read_text()
    after = (tdir(exp_dir) / "entities.jsonl").read_text()
    assert after.startswith(before) and len(after) > len(before)
    assert (tdir(exp_dir) / "samples.jsonl").read_text().startswith(samples_before)
    records = telemetry_records(exp_dir)
    drivers = [r for r in records if r["kind"] == "driver"]
    assert len(drivers) == 2 and drivers[0]["driver"] != drivers[1]["driver"]
    assert {r["driver"] for r in records if r["kind"] == "shard"} == {
        d["driver"] for d in drivers}
    text = status_text(exp_dir)
    assert text.count("| app ") == 2  # both runs listed


def test_monitor_goes_with_a_killed_driver(exp_dir):
    driver = start_driver(exp_dir, "--seconds", "60")
    try:
        wait_for("model calls in the samples",
                 lambda: (tdir(exp_dir) / "samples.jsonl").exists() and '"calls":0' not in (
                     tdir(exp_dir) / "samples.jsonl").read_text().splitlines()[-1] and
                 '"key":"mlp"' in (tdir(exp_dir) / "samples.jsonl").read_text(), 90)
        assert "| app " in status_text(exp_dir) and row(status_text(exp_dir), "app")[4] == "Running"
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    # The monitor is a thread of the driver: nothing writes after it died.
    time.sleep(0.5)
    size = telemetry_bytes(exp_dir)
    time.sleep(2.5)
    assert telemetry_bytes(exp_dir) == size
    # Its jobs' last state is unknown, not "Running" forever. (conftest: no process is left.)
    assert row(status_text(exp_dir), "app")[4] == "Unknown"


def test_off_switch(exp_dir, tmp_path):
    d = start_driver(exp_dir, "--seconds", "1", env={"INSITU_TELEMETRY": "0"})
    assert d.wait(120) == 0, driver_log(exp_dir)
    assert (exp_dir / "app" / "app.out").exists()
    assert not (exp_dir / ".insitu" / "telemetry").exists()
    r = subprocess.run([CLI, "status", "--exp-dir", str(exp_dir)], capture_output=True, text=True)
    assert r.returncode == 1 and "no telemetry" in r.stderr

    from insitu import Experiment
    exp = Experiment("off", exp_path=str(tmp_path / "off"))
    assert exp.telemetry_enabled
    exp.set_telemetry(False)
    assert not exp.telemetry_enabled
    db = exp.create_database(port=0)
    exp.start(db)
    try:
        time.sleep(0.5)
        assert not (tmp_path / "off" / ".insitu" / "telemetry").exists()
        with pytest.raises(Exception):
            exp.set_telemetry(True, interval=0)
        # Switched on while the database runs: sampled at once.
        exp.set_telemetry(True, interval=0.1)
        samples = tmp_path / "off" / ".insitu" / "telemetry" / "samples.jsonl"
        wait_for("samples of the running database",
                 lambda: samples.exists() and samples.read_text().count('"up":true') >= 3, 30)
        exp.set_telemetry(False)  # stops the monitor: no more samples
        time.sleep(0.3)
        size = samples.stat().st_size
        time.sleep(0.5)
        assert samples.stat().st_size == size
    finally:
        exp.stop(db)


def test_tls_and_colocated_databases_are_sampled(exp_dir):
    d = start_driver(exp_dir, "--seconds", "4", "--tls", "--colocated")
    assert d.wait(180) == 0, driver_log(exp_dir)
    shards = [r for r in telemetry_records(exp_dir) if r["kind"] == "shard"]
    tls = [r for r in shards if r["db"] == "orchestrator"]
    assert tls and all(r["up"] for r in tls), tls[-1:]  # authenticated over TLS throughout
    # The co-located database lives as long as its application: sampled while it ran.
    colo = [r for r in shards if r["db"] == "colo-db" and r["up"]]
    assert colo and colo[0]["address"].startswith("unix://")
    for mine in (tls, colo):
        assert max(o["calls"] for r in mine for o in r["objects"] if o["key"] == "mlp") > 0
    text = status_text(exp_dir)
    assert row(text, "colo")[4] == "Completed" and row(text, "app")[4] == "Completed"
