"""The dashboard in a real browser (headless Chromium) on a running 3-shard experiment and after
it ended, and /metrics against the databases read directly."""
import os
import time

import pytest

from helpers import (CHROMIUM, Dashboard, Dom, driver_log, dump_dom, read_shard, screenshot,
                     start_driver, wait_for)

pytestmark = pytest.mark.skipif(not os.environ.get("INSITU_HAVE_TORCH"),
                                reason="the TORCH backend is not built")

SHARDS = ["orchestrator_0", "orchestrator_1", "orchestrator_2"]


def mlp_calls(state):
    return sum(o["calls"] for o in state["objects"] if o["name"] == "mlp")


def parse_metrics(text):
    """Prometheus text format, checked by the test's own rules and, when Debian's
    python3-prometheus-client is there, by its parser. Returns {(name, labels): value}."""
    helped, typed, samples = set(), {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, typ = line.split()
            assert typ in ("gauge", "counter"), line
            typed[name] = typ
        elif line and not line.startswith("#"):
            name_labels, value = line.rsplit(" ", 1)
            name, _, labels = name_labels.partition("{")
            assert name.startswith("insitu_"), line
            assert name in helped and name in typed, f"{name} has no HELP/TYPE"
            pairs = tuple(sorted(p.split("=", 1)[0] + "=" + p.split("=", 1)[1].strip('"')
                                 for p in labels.rstrip("}").split(",") if p))
            samples[(name, pairs)] = float(value)
    assert helped == set(typed), "HELP and TYPE differ"
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        return samples
    parsed = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation, family.name
        for s in family.samples:
            parsed[(s.name, tuple(sorted(f"{k}={v}" for k, v in s.labels.items())))] = s.value
    assert parsed == samples, "prometheus_client reads the text differently"
    return samples


def metric(samples, name, **labels):
    want = tuple(sorted(f"{k}={v}" for k, v in labels.items()))
    found = [v for (n, l), v in samples.items() if n == name and set(want) <= set(l)]
    assert found, f"no {name} {labels}"
    return found


@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (scripts/install-deps)")
def test_dashboard_in_browser_live_and_after_end_and_metrics(exp_dir):
    hold = str(exp_dir) + ".hold"
    driver = start_driver(exp_dir, "--shards", "3", "--seconds", "25", "--hold", hold)
    dash = None
    try:
        wait_for("the dashboard's folder", lambda: os.path.isdir(exp_dir / ".insitu"), 90)
        dash = Dashboard(exp_dir)
        # Live: every shard sampled, the model called.
        wait_for("samples of 3 shards and model calls",
                 lambda: (lambda s: len(s["shards"]) == 3 and all(
                     len(x["series"]["t"]) >= 3 for x in s["shards"]) and mlp_calls(s) > 0)(
                     dash.state()), 90)
        live = Dom(dump_dom(dash.url))
        assert live.state == "true"
        assert live.entities.get("app") == "Running", live.entities
        for s in SHARDS:
            assert live.entities.get(s) == "Running", live.entities
        assert sorted(x["shard"] for x in live.shards) == SHARDS
        for x in live.shards:
            assert x["up"] == "true"
            assert set(x["charts"]) == {"used_memory", "connected_clients", "ops_per_sec", "keys"}
            assert min(x["charts"].values()) >= 3, x
        first = live.objects["mlp"]
        assert first > 0
        time.sleep(3)
        again = Dom(dump_dom(dash.url))
        assert again.objects["mlp"] > first, "the model's calls did not grow between two loads"
        screenshot(dash.url, "dashboard-live.png")

        # The application ends; the databases still run: /metrics against INFO / AI.INFO.
        wait_for("the app to complete",
                 lambda: any(j["name"] == "app" and j["status"] == "Completed"
                             for j in dash.state()["jobs"]), 120)
        ended_at = time.time()
        wait_for("a sample after the app ended",
                 lambda: dash.state()["last_sample_t"] > ended_at + 1.5, 30)
        text, headers = dash.get("metrics")
        assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
        samples = parse_metrics(text)
        state = dash.state()
        secrets = str(exp_dir / "orchestrator" / "secrets")
        total_calls = 0
        for sh in state["shards"]:
            info, models = read_shard(sh["address"], secrets)
            labels = {"db": "orchestrator", "shard": sh["shard"]}
            assert metric(samples, "insitu_shard_up", **labels) == [1]
            assert metric(samples, "insitu_shard_primary", **labels) == [1]  # no replicas
            assert metric(samples, "insitu_shard_keys", **labels) == [info["keys"]]
            assert metric(samples, "insitu_shard_keyspace_misses_total", **labels) == [
                info["keyspace_misses"]]
            # The test's own connection is one more client; memory moves a little.
            clients = metric(samples, "insitu_shard_connected_clients", **labels)[0]
            assert abs(clients - info["connected_clients"]) <= 1
            mem = metric(samples, "insitu_shard_used_memory_bytes", **labels)[0]
            assert abs(mem - info["used_memory"]) <= 0.1 * info["used_memory"]
            assert len(models) == 1, models
            (key, st), = models.items()
            assert key.endswith("mlp")
            m = dict(labels, model="mlp", type="MODEL", backend="TORCH")
            assert metric(samples, "insitu_model_calls_total", **m) == [st["calls"]]
            assert metric(samples, "insitu_model_errors_total", **m) == [st["errors"]]
            assert metric(samples, "insitu_model_samples_total", **m) == [st["samples"]]
            assert metric(samples, "insitu_model_run_seconds_total", **m)[0] == pytest.approx(
                st["duration"] / 1e6)
            total_calls += st["calls"]
        assert total_calls == mlp_calls(state) > 0
        assert metric(samples, "insitu_entity_returncode", entity="app") == [0]
        assert metric(samples, "insitu_entity_info", entity="app", status="Completed") == [1]

        # The experiment ends: the page stays readable with the last values.
        open(hold, "w").close()
        assert driver.wait(60) == 0, driver_log(exp_dir)
        wait_for("the driver to be gone", lambda: not dash.state()["driver_alive"], 10)
        ended = Dom(dump_dom(dash.url))
        assert ended.state == "false"
        assert ended.entities["app"] == "Completed"
        for s in SHARDS:
            assert ended.entities[s] == "Cancelled"
        assert len(ended.shards) == 3
        assert all(min(x["charts"].values()) >= 3 for x in ended.shards)
        assert ended.objects["mlp"] == total_calls
        screenshot(dash.url, "dashboard-ended.png")

        # Logs a click away; nothing outside the recorded log paths.
        out, _ = dash.get("logs/app?stream=out")
        assert "telemetry app: runs" in out
        for bad in ("logs/..%2F..%2Fetc%2Fpasswd", "logs/app?stream=../../etc/passwd",
                    "logs/nosuch?stream=out", "logs/%2Fetc%2Fpasswd"):
            with pytest.raises(Exception) as e:
                dash.get(bad)
            assert getattr(e.value, "code", None) in (400, 404), bad
    finally:
        if dash:
            dash.close()
        if driver.poll() is None:
            open(hold, "w").close()
            driver.terminate()
            driver.wait(30)
