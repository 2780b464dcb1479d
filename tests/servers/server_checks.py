#!/usr/bin/python3
"""The `servers` label: insitu with each server it may be swapped to (REDIS_PATH).

Servers: redis (Debian's redis-server 7.0), keydb (KeyDB 6.3.4), keydb-threads (KeyDB with
`server-threads 2`), valkey (Valkey 8.0.1). KeyDB and Valkey are the builds scripts/build-servers
keeps in its cache; a server that is not there (or no ../shared/vendor to build it from) FAILS
the check with that reason: it is never passed without the real server.

Checks:
  protocol     the module's protocol tests (module_tests) with REDIS_PATH set
  rdb-restart  the module's restart tests: tensors of every dtype, models of every built backend
               and scripts saved to RDB (and AOF), restarted, compared bit-exactly and run again
  db-start     `insitu db start --shards 3` with REDIS_PATH; put/get, a model run and the UINT64
               big-number reply through the cluster; `insitu db stop`
  driver       the Python driver (insitu.Experiment) with REDIS_PATH + REDIS_CONF, 3 shards
Every process started here is stopped, and checked gone, before the check ends.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UINT64_MAX = 18446744073709551615

sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from free_ports import free_port_block  # noqa: E402

# name -> (binary from build-servers or PATH, `--version` must match, extra server config)
# Module tests of Redis 7 ACL features (ACL DRYRUN, %R~ selectors, the module's own ACL check):
# KeyDB 6.3 has none of them, so they are left out there and reported NOT RUN, never passed.
REDIS7_ACL_TESTS = ["AclKeys.DryRunChecksEveryKeyOfEveryCommandAndNothingElse",
                    "AclKeys.ReadOnlySelectorAllowsReadsAndRefusesWrites",
                    "AclKeysCluster.ShardLocalModelKeyIsCheckedByTheModule"]

# The module's large-allocation tuning needs jemalloc 5.3's mallctl names; KeyDB 6.3.4 bundles
# jemalloc 5.2.1, where the module reports the tuning unavailable: left out, reported NOT RUN.
JEMALLOC53_TESTS = ["*LargeAllocations*"]

SERVERS = {
    "redis": ("redis-server", r"^Redis server v=7\.", []),
    "keydb": ("keydb", r"^KeyDB server v=6\.3\.4 ", []),
    "keydb-threads": ("keydb", r"^KeyDB server v=6\.3\.4 ", ["server-threads", "2"]),
    "valkey": ("valkey", r"^Valkey server v=8\.0\.1 ", []),
}


class NotRun(Exception):
    pass


def fail(msg):
    print("servers: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def find_server(name):
    binary, version_re, _ = SERVERS[name]
    if binary == "redis-server":
        path = shutil.which("redis-server")
        if not path:
            raise NotRun("redis-server is not on PATH (scripts/install-deps installs it)")
    else:
        vendor = os.environ.get("INSITU_VENDOR_DIR", os.path.join(ROOT, "..", "shared", "vendor"))
        if not os.path.isdir(vendor):
            raise NotRun("the server sources folder %s does not exist, so %s cannot be built "
                         "(set INSITU_VENDOR_DIR)" % (os.path.abspath(vendor), binary))
        r = subprocess.run([os.path.join(ROOT, "scripts", "build-servers"), "--check"],
                           capture_output=True, text=True)
        paths = dict(line.split("=", 1) for line in r.stdout.split() if "=" in line)
        path = paths.get(binary)
        if not path:
            raise NotRun("%s is not built; run scripts/build-servers first (it said: %s)"
                         % (binary, r.stderr.strip()))
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.strip()
    if not re.search(version_re, out):
        fail("%s --version printed %r, expected %s" % (path, out, version_re))
    print("servers: %s is %s (%s)" % (name, path, out))
    # Not resolved: Debian's redis-server is a link to redis-check-rdb, which picks its role
    # from the name it was started by.
    return path


# ---- a minimal RESP client (independent of the client library under test) --------------------
# (user, password) the checks authenticate with: the launcher's admin user of the database under
# test (insitu starts databases with ACL users by default); None for servers started without.
ADMIN = None


def admin_of(secrets_dir):
    with open(os.path.join(secrets_dir, "admin")) as f:
        return ("admin", f.read().strip())


def encode_command(args):
    req = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        req += b"$%d\r\n%s\r\n" % (len(a), a)
    return req


def resp_command(addr, *args, timeout=10):
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        buf = s.makefile("rb")
        if ADMIN:
            # Its own round trip: KeyDB parses ahead and would judge a long command (a model
            # blob) as unauthenticated.
            s.sendall(encode_command(("AUTH",) + ADMIN))
            auth = read_reply(buf)
            if auth[0] == "error":
                return auth
        s.sendall(encode_command(args))
        return read_reply(buf)


def read_reply(f):
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return ("status", rest.decode())
    if kind == b"-":
        return ("error", rest.decode())
    if kind == b":":
        return ("int", int(rest))
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return ("nil", None)
        data = f.read(n + 2)[:-2]
        return ("bulk", data)
    if kind == b"*":
        n = int(rest)
        return ("array", [read_reply(f) for _ in range(max(n, 0))])
    raise ValueError("unexpected reply %r" % line)


def info_field(addr, section, field):
    kind, text = resp_command(addr, "INFO", section)
    m = re.search(r"^%s:(.*?)\r?$" % re.escape(field), text.decode(), re.M)
    if not m:
        fail("INFO %s of %s has no %s" % (section, addr, field))
    return m.group(1)


def check_shards(addrs, server_path, name):
    """Each shard runs the swapped-in binary (its /proc exe), the cluster is up, KeyDB's threads."""
    pids = []
    for a in addrs:
        pid = int(info_field(a, "server", "process_id"))
        exe = os.path.realpath("/proc/%d/exe" % pid)
        if exe != os.path.realpath(server_path):
            fail("shard %s runs %s, not REDIS_PATH %s" % (a, exe, server_path))
        pids.append(pid)
    if len(addrs) > 1:
        for a in addrs:
            state = info_field(a, "cluster", "cluster_enabled")
            kind, text = resp_command(a, "CLUSTER", "INFO")
            if state != "1" or b"cluster_state:ok" not in text:
                fail("shard %s: cluster not ok: %r" % (a, text[:200]))
    if SERVERS[name][2]:
        # KeyDB's server-threads: its worker threads are named by KeyDB ("keydb-server" task
        # count alone is not enough: jemalloc and the module add threads). INFO reports them.
        for a in addrs:
            threads = info_field(a, "cpu", "server_threads")
            if threads != "2":
                fail("shard %s reports server_threads:%s, configured 2" % (a, threads))
    print("servers: %d shard(s) run %s (pids %s)" % (len(addrs), server_path, pids))
    return pids


def shard_logs(folder):
    """The shards' output files (`logfile ""`: the launcher keeps their stdout as <shard>.out)."""
    logs = [os.path.join(root, f) for root, _, files in os.walk(folder) for f in files
            if f.endswith((".out", ".err", ".log"))]
    if not any(f.endswith(".out") for f in logs):
        fail("no shard output files under %s" % folder)
    return logs


def check_fallback_log(logs, name):
    """KeyDB lacks RedisModule_ReplyWithBigNumber: the module says so at load, the others not."""
    text = ""
    for path in logs:
        with open(path, errors="replace") as f:
            text += f.read()
    said = "no RedisModule_ReplyWithBigNumber" in text
    if name.startswith("keydb") and not said:
        fail("KeyDB's shard logs do not carry the module's ReplyWithBigNumber fallback notice")
    if not name.startswith("keydb") and said:
        fail("%s's shard logs say ReplyWithBigNumber is missing" % name)
    print("servers: module load log %s the ReplyWithBigNumber fallback" % ("reports" if said else "has no"))


def pids_gone(pids, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        alive = [p for p in pids if os.path.exists("/proc/%d" % p) and not is_zombie(p)]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def kill_all(pids):
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def data_roundtrip(client_mod, addrs, cluster, name):
    """Put/get tensors, run a TorchScript model, and the UINT64 value above 2^63-1."""
    import numpy as np
    c = client_mod.Client(address=addrs[0], cluster=cluster)
    for i in range(20):  # spread over the shards' slots
        x = np.arange(i, i + 12, dtype=np.float32).reshape(3, 4)
        c.put_tensor("t%d" % i, x)
        np.testing.assert_array_equal(c.get_tensor("t%d" % i), x)
    big = np.array([1, 2**63 - 1, 2**63, UINT64_MAX], dtype=np.uint64)
    c.put_tensor("{big}u64", big)
    np.testing.assert_array_equal(c.get_tensor("{big}u64"), big)
    # AI.TENSORGET VALUES on the shard that owns the key: values above 2^63-1 are big numbers,
    # which a RESP2 connection receives as bulk strings of the digits (the fallback's bytes on
    # KeyDB, the server's own on Redis 7 and Valkey).
    for a in addrs:
        reply = resp_command(a, "AI.TENSORGET", "{big}u64", "VALUES")
        if reply[0] == "error" and reply[1].startswith("MOVED"):
            continue
        want = [("int", 1), ("int", 2**63 - 1), ("bulk", b"9223372036854775808"),
                ("bulk", b"18446744073709551615")]
        if reply != ("array", want):
            fail("AI.TENSORGET VALUES of UINT64 from %s: %r, want %r" % (a, reply, want))
        break
    else:
        fail("no shard answered AI.TENSORGET {big}u64")
    models = os.path.join(ROOT, "tests", "models")
    x = np.load(os.path.join(models, "mlp_traced.in0.npy"))
    want = np.load(os.path.join(models, "mlp_traced.out0.npy"))
    c.put_tensor("{m}x", x)
    # A model whose key shares the inputs' slot, stored and run on the owning shard.
    with open(os.path.join(models, "mlp_traced.pt"), "rb") as f:
        blob = f.read()
    for a in addrs:
        reply = resp_command(a, "AI.MODELSTORE", "{m}mlp", "TORCH", "CPU", "BLOB", blob)
        if reply[0] == "error" and reply[1].startswith("MOVED"):
            continue
        if reply != ("status", "OK"):
            fail("AI.MODELSTORE on %s: %r" % (a, reply))
        reply = resp_command(a, "AI.MODELEXECUTE", "{m}mlp", "INPUTS", "1", "{m}x", "OUTPUTS", "1", "{m}y")
        if reply != ("status", "OK"):
            fail("AI.MODELEXECUTE on %s: %r" % (a, reply))
        break
    np.testing.assert_allclose(c.get_tensor("{m}y"), want, atol=1e-4)
    # The client's way in a cluster: one copy of the model per shard, under a key of another
    # slot of that shard, run on the inputs' shard.
    c.set_model_from_file("mlp", os.path.join(models, "mlp_traced.pt"), "TORCH", "CPU")
    if cluster and name == "valkey":
        # Known difference (docs/compatibility.md): Valkey 8 looks keys up in the slot of the
        # command's declared keys (the tensors), so the shard's copy is not found. Pinned here so
        # that a fix, or a change in Valkey, shows up.
        try:
            c.run_model("mlp", inputs=["{m}x"], outputs=["{m}z"])
        except Exception as e:
            if "model key is empty" not in str(e):
                raise
            print("servers: KNOWN DIFFERENCE on Valkey 8: client run_model on a per-shard model copy: %s" % e)
        else:
            fail("run_model on a per-shard model copy worked on Valkey: update docs/compatibility.md")
    else:
        c.run_model("mlp", inputs=["{m}x"], outputs=["{m}z"])
        np.testing.assert_allclose(c.get_tensor("{m}z"), want, atol=1e-4)
    print("servers: 20 tensors put/get, UINT64 big numbers, TORCH model run: ok")


def run_module_tests(args, server_path, name, restart_only):
    env = dict(os.environ, REDIS_PATH=server_path,
               INSITU_TEST_SERVER_ARGS=" ".join("--" + w if i % 2 == 0 else w
                                                for i, w in enumerate(SERVERS[name][2])))
    restart = "*Persistence*:ExecModule.RdbRestartThenFirstRunWorks:ExecModule.AofRewriteReplaysModelsAndScripts"
    flt = restart if restart_only else "-" + restart
    if not restart_only and name.startswith("keydb"):
        flt += ":" + ":".join(REDIS7_ACL_TESTS + JEMALLOC53_TESTS)
        print("servers: NOT RUN against %s (Redis 7 ACL features): %s" %
              (name, ", ".join(REDIS7_ACL_TESTS)), flush=True)
        print("servers: NOT RUN against %s (jemalloc 5.3 tuning; KeyDB has 5.2.1): %s" %
              (name, ", ".join(JEMALLOC53_TESTS)), flush=True)
    listed = subprocess.run([args.module_tests, "--gtest_list_tests", "--gtest_filter=" + flt],
                            capture_output=True, text=True, check=True).stdout
    count = sum(1 for line in listed.splitlines() if line.startswith("  "))
    if restart_only and "BackendPersistence" not in listed:
        fail("module_tests has no BackendPersistence tests (the TORCH plugin is not built), so "
             "models and scripts across a restart would not be tested")
    print("servers: running %d module tests against %s (%s)" % (count, name, flt), flush=True)
    r = subprocess.run([args.module_tests, "--gtest_filter=" + flt, "--gtest_brief=1"], env=env,
                       capture_output=True, text=True)
    out = r.stdout + r.stderr
    sys.stdout.write(out[-20000:])
    m = re.search(r"\[  PASSED  \] (\d+) test", out)
    if r.returncode != 0 or not m or int(m.group(1)) != count or "[  SKIPPED ]" in out:
        fail("module tests against %s: exit %d, %s of %d passed" %
             (name, r.returncode, m.group(1) if m else "none", count))
    print("servers: %d module tests passed against %s" % (count, name))


def run_db_start(args, server_path, name, work):
    global ADMIN
    import insitu
    env = dict(os.environ, REDIS_PATH=server_path)
    env.pop("SSDB", None)
    if SERVERS[name][2]:
        conf = os.path.join(work, "base.conf")
        with open(conf, "w") as f:
            f.write(" ".join(SERVERS[name][2]) + "\n")
        env["REDIS_CONF"] = conf
    port = free_port_block(3)
    d = os.path.join(work, "db")
    cmd = [args.cli, "db", "start", "--shards", "3", "--port", str(port), "--dir", d]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    print(r.stdout + r.stderr)
    if r.returncode != 0:
        logs = subprocess.run(["sh", "-c", "tail -n 20 %s/*.log %s/*/*.log 2>/dev/null" % (d, d)],
                              capture_output=True, text=True).stdout
        fail("insitu db start exited %d; logs:\n%s" % (r.returncode, logs))
    pids = []
    try:
        m = re.search(r"export SSDB=(\S+)", r.stdout)
        if not m or "SR_DB_TYPE=Clustered" not in r.stdout:
            fail("insitu db start printed no clustered SSDB line")
        addrs = m.group(1).split(",")
        if len(addrs) != 3:
            fail("3 shards asked, SSDB has %d" % len(addrs))
        # The printed credentials: the app user's password file (the client reads it).
        pw = re.search(r"export SR_DB_PASSWORD_FILE=(\S+)", r.stdout)
        if "export SR_DB_USER=app" not in r.stdout or not pw:
            fail("insitu db start printed no SR_DB_USER / SR_DB_PASSWORD_FILE")
        os.environ.update(SR_DB_USER="app", SR_DB_PASSWORD_FILE=pw.group(1))
        ADMIN = admin_of(os.path.dirname(pw.group(1)))
        pids = check_shards(addrs, server_path, name)
        data_roundtrip(insitu, addrs, True, name)
        st = subprocess.run([args.cli, "db", "status", "--dir", d], env=env, capture_output=True, text=True)
        if st.returncode != 0 or st.stdout.count(" up") != 3:
            fail("insitu db status: %s" % st.stdout)
        check_fallback_log(shard_logs(d), name)
    finally:
        ADMIN = None
        for v in ("SR_DB_USER", "SR_DB_PASSWORD_FILE"):
            os.environ.pop(v, None)
        stop = subprocess.run([args.cli, "db", "stop", "--dir", d], env=env, capture_output=True, text=True)
        print(stop.stdout + stop.stderr)
        if pids and not pids_gone(pids):
            kill_all(pids)
            fail("shards still running after insitu db stop")
    if stop.returncode != 0:
        fail("insitu db stop exited %d" % stop.returncode)
    print("servers: insitu db start/status/stop with REDIS_PATH=%s: ok" % server_path)


def run_driver(args, server_path, name, work):
    import insitu
    # REDIS_CONF: the base config every shard includes. `hz 17` is visible through CONFIG GET, so
    # the check proves the file was applied; KeyDB's threads come from it too.
    conf = os.path.join(work, "base.conf")
    with open(conf, "w") as f:
        f.write("hz 17\n")
        if SERVERS[name][2]:
            f.write(" ".join(SERVERS[name][2]) + "\n")
    os.environ["REDIS_PATH"] = server_path
    os.environ["REDIS_CONF"] = conf
    os.environ.pop("SSDB", None)
    exp = insitu.Experiment("servers-%s" % name, exp_path=os.path.join(work, "exp"), launcher="local")
    global ADMIN
    db = exp.create_database(port=free_port_block(3), db_nodes=3, interface="lo")
    exp.start(db)
    pids = []
    try:
        ADMIN = admin_of(db.secrets_dir)
        addrs = db.get_address()
        if len(addrs) != 3:
            fail("3 shards asked, get_address gave %r" % addrs)
        pids = check_shards(addrs, server_path, name)
        for a in addrs:
            reply = resp_command(a, "CONFIG", "GET", "hz")
            if reply != ("array", [("bulk", b"hz"), ("bulk", b"17")]):
                fail("REDIS_CONF not applied on %s: CONFIG GET hz = %r" % (a, reply))
        data_roundtrip(insitu, addrs, True, name)
        check_fallback_log(shard_logs(os.path.join(work, "exp")), name)
    finally:
        ADMIN = None
        exp.stop(db)
        if pids and not pids_gone(pids):
            kill_all(pids)
            fail("shards still running after Experiment.stop")
    if db.is_active():
        fail("the database is still active after Experiment.stop")
    print("servers: Python driver with REDIS_PATH=%s REDIS_CONF=%s: ok" % (server_path, conf))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True, choices=sorted(SERVERS))
    ap.add_argument("--check", required=True, choices=["protocol", "rdb-restart", "db-start", "driver"])
    ap.add_argument("--module-tests")
    ap.add_argument("--cli")
    a = ap.parse_args()
    try:
        server_path = find_server(a.server)
    except NotRun as e:
        fail("NOT RUN (counted as a failure): %s" % e)
    if a.check in ("protocol", "rdb-restart"):
        run_module_tests(a, server_path, a.server, a.check == "rdb-restart")
        return
    with tempfile.TemporaryDirectory(prefix="insitu-servers-") as work:
        if a.check == "db-start":
            run_db_start(a, server_path, a.server, work)
        else:
            run_driver(a, server_path, a.server, work)


if __name__ == "__main__":
    main()
