"""Shared by the telemetry tests: the driver process, the dashboard server, headless Chromium,
a small RESP client for reading the databases directly, and the telemetry schema check."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get("INSITU_CLI", "insitu")
ARTIFACTS = os.environ.get("INSITU_TEST_ARTIFACTS", tempfile.gettempdir())
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def wait_for(what, check, timeout=60.0, every=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = check()
        if v:
            return v
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def start_driver(exp_dir, *args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    log = open(os.path.join(str(exp_dir) + ".driver.log"), "w")
    return subprocess.Popen([sys.executable, os.path.join(HERE, "driver.py"), str(exp_dir), *args],
                            stdout=log, stderr=subprocess.STDOUT, env=e)


def driver_log(exp_dir):
    with open(str(exp_dir) + ".driver.log") as f:
        return f.read()


class Dashboard:
    """`insitu dashboard --port 0` on loopback; stopped (SIGTERM, then SIGKILL) on close."""

    def __init__(self, exp_dir):
        self.proc = subprocess.Popen([CLI, "dashboard", "--exp-dir", str(exp_dir), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("insitu dashboard: http://127.0.0.1:"), (
            line + self.proc.stderr.read())
        self.url = line.split()[-1]

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return r.read().decode(), r.headers

    def state(self):
        return json.loads(self.get("api/state")[0])

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def chromium(url, *args):
    """Runs headless Chromium (its own profile) on url with args; returns stdout."""
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--disable-dev-shm-usage",
                            f"--user-data-dir={profile}", "--virtual-time-budget=4000", *args, url],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def dump_dom(url):
    return chromium(url, "--dump-dom")


def screenshot(url, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name)
    if os.path.exists(path):
        os.remove(path)
    chromium(url, f"--screenshot={path}", "--window-size=1400,1100", "--hide-scrollbars")
    assert os.path.getsize(path) > 10000, "the screenshot is (nearly) empty"
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    return path


class Dom(HTMLParser):
    """The rendered elements the dashboard marks for tests: entity rows, shards with their
    charts, model rows, the live/ended state."""

    def __init__(self, html):
        super().__init__()
        self.entities, self.shards, self.objects, self.state = {}, [], {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class", "")
        if tag == "tr" and cls == "entity":
            self.entities[a["data-name"]] = a["data-status"]
        elif tag == "div" and cls == "shard":
            self.shards.append({"shard": a["data-shard"], "up": a["data-up"], "charts": {}})
        elif tag == "svg" and cls == "chart":
            self.shards[-1]["charts"][a["data-metric"]] = int(a["data-points"])
        elif tag == "tr" and cls == "object":
            self.objects[a["data-name"]] = int(a["data-calls"])
        elif a.get("id") == "state":
            self.state = a.get("data-live")


def resp_command(sock, *args):
    out = b"*%d\r\n" % len(args)
    for x in args:
        x = x.encode(errors="surrogateescape") if isinstance(x, str) else x
        out += b"$%d\r\n%s\r\n" % (len(x), x)
    sock.sendall(out)
    f = sock.makefile("rb")
    return _read_reply(f)


def _read_reply(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode(errors="surrogateescape")  # key names are bytes
    if kind == b"*":
        return [_read_reply(f) for _ in range(int(rest))]
    raise RuntimeError(f"unexpected reply {line!r}")


def read_shard(address, secrets_dir):
    """INFO fields and AI.INFO of every model, read directly as the admin user."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        with open(os.path.join(secrets_dir, "admin")) as f:
            assert resp_command(s, "AUTH", "admin", f.read().strip()) == "OK"
        info = {}
        keys = 0
        for line in resp_command(s, "INFO").splitlines():
            k, _, v = line.partition(":")
            if k.startswith("db") and v.startswith("keys="):
                keys += int(v[5:].split(",")[0])
            elif v.lstrip("-").isdigit():
                info[k] = int(v)
        info["keys"] = keys
        models = {}
        for key, _tag in resp_command(s, "AI._MODELSCAN"):
            r = resp_command(s, "AI.INFO", key)
            models[key] = dict(zip(r[0::2], r[1::2]))
        return info, models


# The documented schema (docs/telemetry.md), version 1: required fields and their types per kind.
NUM = (int, float)
SCHEMA = {
    "driver": {"experiment": str, "exp_path": str, "pid": int, "interval_s": NUM,
               "max_bytes": int},
    "entity": {"name": str, "type": str, "entity": str, "job_id": str, "run": int, "path": str,
               "out_log": str, "err_log": str},
    "status": {"name": str, "run": int, "job_id": str, "status": str,
               "returncode": (int, type(None))},
    "shard": {"db": str, "shard": str, "address": str, "up": bool},
}
SHARD_UP = {"used_memory": int, "connected_clients": int, "instantaneous_ops_per_sec": int,
            "keys": int, "keyspace_hits": int, "keyspace_misses": int, "objects": list,
            "role": str}
OBJECT = {"key": str, "type": str, "backend": str, "device": str, "tag": str, "calls": int,
          "errors": int, "duration_us": int, "samples": int}
STATUSES = {"New", "Running", "Completed", "Failed", "Cancelled", "NeverStarted", "Queued"}


def _check_fields(rec, fields, where):
    for k, typ in fields.items():
        assert k in rec, f"{where}: no {k!r} in {rec}"
        assert isinstance(rec[k], typ) and not (typ is int and isinstance(rec[k], bool)), (
            f"{where}: {k!r} is {rec[k]!r}")


def check_record(line, where):
    rec = json.loads(line)
    assert isinstance(rec, dict), where
    assert rec.get("schema") == "insitu.telemetry/1", where
    assert rec.get("kind") in SCHEMA, f"{where}: kind {rec.get('kind')!r}"
    assert isinstance(rec.get("t"), float) and rec["t"] > 1.6e9, where
    assert isinstance(rec.get("driver"), str) and rec["driver"], where
    _check_fields(rec, SCHEMA[rec["kind"]], where)
    if rec["kind"] == "status":
        assert rec["status"] in STATUSES, where
    if rec["kind"] == "shard":
        if rec["up"]:
            _check_fields(rec, SHARD_UP, where)
            for o in rec["objects"]:
                _check_fields(o, OBJECT, where + " object")
                assert o["type"] in ("MODEL", "SCRIPT")
        else:
            assert isinstance(rec.get("error"), str), where
    return rec


def telemetry_records(exp_dir):
    d = os.path.join(str(exp_dir), ".insitu", "telemetry")
    out = []
    for name in ("entities.jsonl", "samples.1.jsonl", "samples.jsonl"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as f:
                for i, line in enumerate(f):
                    out.append(check_record(line, f"{name}:{i + 1}"))
    return out


def telemetry_bytes(exp_dir):
    """The telemetry files' total size. The monitor rotates samples.jsonl while this reads (a file
    listed can be renamed before its size is taken): such a reading is taken again."""
    d = os.path.join(str(exp_dir), ".insitu", "telemetry")
    while True:
        try:
            return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)
                       if f.endswith(".jsonl"))
        except FileNotFoundError:
            if not os.path.isdir(d):
                raise
