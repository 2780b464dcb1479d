"""Replicas from Python (#16), written as SmartSim's documentation writes drivers: a cluster of 3
primaries with a replica each; a primary SIGKILLed while the driver's client writes durably
(SR_DURABLE_REPLICAS=1); every acknowledged tensor and the stored script are there after the
failover; the killed server rejoins as a replica; stop leaves no process."""

import os
import signal
import socket
import time

import numpy as np
import pytest

import insitu
from insitu import Experiment

from conftest import processes_under

HAVE_TORCH = os.environ.get("INSITU_HAVE_TORCH") == "1"


def admin_info(db, address, section):
    """INFO <section> of one server, as the database's admin user, as a dict."""
    with open(os.path.join(db.secrets_dir, "admin")) as f:
        secret = f.read().strip()
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        def send(*args):
            s.sendall(b"*%d\r\n" % len(args) + b"".join(
                b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))
        send("AUTH", "admin", secret)
        send("INFO", section)
        f = s.makefile("rb")
        assert f.readline().strip() == b"+OK"
        size = int(f.readline()[1:])
        text = f.read(size + 2).decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def role(db, address):
    return admin_info(db, address, "replication")["role"]


def test_bad_replica_settings_are_refused(exp_dir):
    exp = Experiment("bad", exp_path=str(exp_dir / "exp"))
    with pytest.raises(Exception, match="replicas need a cluster"):
        exp.create_database(port=0, db_nodes=1, replicas=1, interface="lo")
    with pytest.raises(Exception, match="replicas must not be negative"):
        exp.create_database(port=0, db_nodes=3, replicas=-1, interface="lo")


@pytest.mark.skipif(not HAVE_TORCH, reason="the TORCH backend is not built")
def test_failover_keeps_every_durable_write_and_the_script(exp_dir, monkeypatch):
    monkeypatch.setenv("SR_CMD_TIMEOUT", "60")
    monkeypatch.setenv("SR_CMD_INTERVAL", "100")
    monkeypatch.setenv("SR_DURABLE_REPLICAS", "1")
    monkeypatch.setenv("SR_DURABLE_TIMEOUT", "300")
    exp = Experiment("replicas", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=0, db_nodes=3, replicas=1, interface="lo")
    assert (db.num_shards, db.replicas, db.num_servers) == (3, 1, 6)
    exp.start(db)
    try:
        addresses = db.get_address()
        assert len(addresses) == 6
        assert [role(db, a) for a in addresses] == ["master"] * 3 + ["slave"] * 3
        # The first script stored loads the TORCH backend on every replica too: seconds.
        monkeypatch.setenv("SR_DURABLE_TIMEOUT", "20000")
        insitu.Client(address=addresses[0], cluster=True).set_script(
            "util", "def times_two(x):\n    return x * 2.0\n", device="CPU")
        monkeypatch.setenv("SR_DURABLE_TIMEOUT", "300")
        client = insitu.Client(address=addresses[0], cluster=True)
        written = {}
        for i in range(300):
            a = np.full(16, i, dtype=np.float32)
            client.put_tensor(f"t{i}", a)
            written[f"t{i}"] = a
        # A third of these go to the killed primary's slots: retried until its replica has
        # taken over; that one has no replica of its own yet, so durable writes there fail,
        # saying so, until the killed server is back.
        os.kill(int(admin_info(db, addresses[0], "server")["process_id"]), signal.SIGKILL)
        refused = 0
        for i in range(300, 400):
            a = np.full(16, i, dtype=np.float32)
            try:
                client.put_tensor(f"t{i}", a)
                written[f"t{i}"] = a
            except insitu.RedisReplyError as e:
                assert "only 0 of 1 replica(s)" in str(e), e
                refused += 1
        assert 0 < refused < 100
        assert role(db, addresses[3]) == "master"
        # Restarted once the cluster has promoted its replica (a later call until then).
        deadline, restarted = time.time() + 30, 0
        while restarted == 0 and time.time() < deadline:
            restarted = exp.restart_failed_servers(db)
        assert restarted == 1
        assert role(db, addresses[0]) == "slave"
        for i in range(400, 500):  # all durable again
            a = np.full(16, i, dtype=np.float32)
            client.put_tensor(f"t{i}", a)
            written[f"t{i}"] = a
        for k, a in written.items():
            assert np.array_equal(client.get_tensor(k), a), k
        client.run_script("util", "times_two", ["t7"], ["t7x2"])
        assert np.array_equal(client.get_tensor("t7x2"), written["t7"] * 2)
        assert exp.get_status(db).count(exp.get_status(db)[0]) == 6  # all running again
    finally:
        exp.stop(db)
    assert not processes_under(str(exp_dir / "exp"))
