"""Databases the Python driver starts are secure by default (docs/security.md): no access without
credentials, applications get the app (or reader) user and its password file, clients the driver
creates itself authenticate; ``insecure=True`` gives SmartSim's open databases and warns;
``tls=True`` serves TLS only, to clients that trust the database's own CA."""

import os
import socket
import stat
import subprocess
import sys

import numpy as np
import pytest

import insitu
from insitu import Experiment
from insitu.error import SSConfigError, SSUnsupportedError

from conftest import free_port, read, write_app

ENV_APP = "#!/bin/sh\nenv | grep -E '^(SSDB|SR_DB)' | sort\n"

# A reader may read what the driver stored, and may not write.
READER_APP = """
import insitu
c = insitu.Client(logger_name="reader")
print("read", list(c.get_tensor("shared")))
try:
    c.put_tensor("mine", c.get_tensor("shared"))
    print("write allowed")
except insitu.RedisReplyError as e:
    print("write refused:", e)
"""


def raw(address, *args):
    """One command over a plain socket, without credentials: the first reply line."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        req = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode())
                                                   for a in args)
        s.sendall(req)
        return s.makefile("rb").readline().decode().strip()


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_database_is_secure_by_default(exp_dir):
    write_app(exp_dir, ENV_APP)
    write_app(exp_dir, READER_APP, "reader.py")
    exp = Experiment("secure", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=free_port(), interface="lo")
    exp.start(db)
    try:
        check_secure_database(exp_dir, exp, db)
    finally:
        exp.stop(db)
    # Stopped: the driver's variables for it are gone too.
    assert "SR_DB_USER" not in os.environ and "SR_DB_PASSWORD_FILE" not in os.environ


def check_secure_database(exp_dir, exp, db):
    secrets = db.secrets_dir
    assert secrets == str(exp_dir / "exp" / "orchestrator" / "secrets")
    assert mode(secrets) == 0o700
    for user in ("admin", "app", "reader"):
        assert mode(os.path.join(secrets, user)) == 0o600
    addr = db.get_address()[0]
    assert raw(addr, "PING").startswith("-NOAUTH")
    assert raw(addr, "FLUSHALL").startswith("-NOAUTH")
    # What applications get: the app user and its password file, never the password.
    m = exp.create_model("m", exp.create_run_settings("./app"))
    exp.start(m)
    out = read(exp_dir / "exp" / "m" / "m.out")
    assert f"SSDB={addr}\n" in out
    assert "SR_DB_USER=app\n" in out
    assert f"SR_DB_PASSWORD_FILE={secrets}/app\n" in out
    password = read(os.path.join(secrets, "app")).strip()
    assert password not in out and len(password) >= 64
    # The driver's own client authenticates (as SmartSim drivers write it).
    c = insitu.Client(False, addr)
    c.put_tensor("shared", np.arange(3, dtype=np.float32))
    assert c.tensor_exists("shared")
    with pytest.raises(insitu.RedisReplyError, match="NOPERM"):
        c.flush_db([addr])
    # A reader application reads and cannot write.
    r = exp.create_model("r", exp.create_run_settings(sys.executable, exe_args=[str(exp_dir / "reader.py")]))
    r.set_db_role("reader")
    assert r.db_role == "reader"
    exp.start(r)
    out = read(exp_dir / "exp" / "r" / "r.out")
    assert "read [0.0, 1.0, 2.0]" in out, out + read(exp_dir / "exp" / "r" / "r.err")
    assert "write refused:" in out and "NOPERM" in out, out
    with pytest.raises(SSConfigError, match="app, reader or admin"):
        r.set_db_role("root")


def test_insecure_database_is_open_and_warns(exp_dir, capfd):
    write_app(exp_dir, ENV_APP)
    exp = Experiment("insecure", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=free_port(), interface="lo", insecure=True)
    assert db.insecure and db.secrets_dir == ""
    exp.start(db)
    try:
        err = capfd.readouterr().err
        assert "without authentication (insecure): anyone on its node(s) can read" in err, err
        addr = db.get_address()[0]
        assert raw(addr, "PING") == "+PONG"
        assert not os.path.exists(exp_dir / "exp" / "orchestrator" / "secrets")
        m = exp.create_model("m", exp.create_run_settings("./app"))
        exp.start(m)
        out = read(exp_dir / "exp" / "m" / "m.out")
        assert f"SSDB={addr}\n" in out and "SR_DB_USER" not in out, out
        # The driver's clients need nothing either.
        assert "SR_DB_USER" not in os.environ
        c = insitu.Client(False, addr)
        c.put_tensor("t", np.ones(2))
    finally:
        exp.stop(db)


@pytest.mark.parametrize("insecure", [False, True])
def test_colocated_database(exp_dir, insecure):
    write_app(exp_dir, ENV_APP + "sleep 1\n")
    exp = Experiment("colo", exp_path=str(exp_dir / "exp"))
    m = exp.create_model("m", exp.create_run_settings("./app"))
    port = free_port()
    if insecure:
        m.colocate_db_tcp(port=port, db_cpus=1, insecure=True)
    else:
        m.colocate_db_tcp(port=port, db_cpus=1)
    exp.start(m)
    out = read(exp_dir / "exp" / "m" / "m.out")
    assert f"SSDB=127.0.0.1:{port}\n" in out
    secrets = exp_dir / "exp" / "m" / "m-db-secrets"
    if insecure:
        # Set empty (= unset for the client), so that no other database's credentials leak in.
        assert "SR_DB_USER=\n" in out and "SR_DB_PASSWORD_FILE=\n" in out, out
        assert not secrets.exists()
    else:
        assert "SR_DB_USER=app\n" in out
        assert f"SR_DB_PASSWORD_FILE={secrets}/app\n" in out
        assert mode(secrets) == 0o700 and mode(secrets / "app") == 0o600


def test_insecure_colocated_model_beside_a_secure_database(exp_dir):
    """The co-located model's client must not pick up the secure database's credentials (the
    driver puts them in os.environ, which its programs inherit): its own database has no users."""
    (exp_dir / "colo_app.py").write_text(
        "import numpy as np, insitu\n"
        "c = insitu.Client(cluster=False)\n"
        "c.put_tensor('x', np.ones(3))\n"
        "print('OK')\n")
    exp = Experiment("colo-beside", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=free_port(), interface="lo")
    exp.start(db)
    try:
        assert os.environ.get("SR_DB_USER") == "app"
        m = exp.create_model("m", exp.create_run_settings(
            "/usr/bin/python3", exe_args=[str(exp_dir / "colo_app.py")]))
        m.colocate_db_tcp(port=free_port(), db_cpus=1, insecure=True)
        exp.start(m, block=True)
        out = read(exp_dir / "exp" / "m" / "m.out")
        assert "OK\n" in out, out + read(exp_dir / "exp" / "m" / "m.err")
    finally:
        exp.stop(db)


# An application of a TLS database: configured by its environment alone (rediss:// addresses,
# SR_TLS_CA_FILE, the app user), it stores and reads back an array.
TLS_APP = """
import os
import numpy as np
import insitu
for n in ("SSDB", "SR_DB_TYPE", "SR_TLS_CA_FILE", "SR_DB_USER"):
    print(n + "=" + os.environ.get(n, ""))
c = insitu.Client(cluster=os.environ["SR_DB_TYPE"] == "Clustered")
a = np.arange(3000, dtype=np.float64).reshape(30, 100)
c.put_tensor("tls_app", a)
assert np.array_equal(c.get_tensor("tls_app"), a)
print("OK")
"""


def plaintext_answer(address):
    """What a plaintext client gets from a TLS-only port ("" when the server hangs up)."""
    try:
        return raw(address, "PING")
    except OSError as e:
        return f"({e})"


def other_ca(path):
    """A self-signed certificate that has nothing to do with the database's CA."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=other",
                    "-keyout", str(path / "other.key"), "-out", str(path / "other.crt")],
                   check=True, capture_output=True)
    return str(path / "other.crt")


@pytest.mark.parametrize("shards", [1, 3])
def test_tls_database(exp_dir, monkeypatch, shards):
    write_app(exp_dir, TLS_APP, "tls_app.py")
    exp = Experiment("tls", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=free_port(), db_nodes=shards, interface="lo", tls=True)
    assert db.tls and not db.insecure
    exp.start(db)
    try:
        ca = db.tls_ca_file
        assert ca == os.path.join(db.secrets_dir, "tls", "ca.crt") and os.path.isfile(ca)
        assert mode(os.path.dirname(ca)) == 0o700
        for key in ("ca.key", "server.key"):
            assert mode(os.path.join(os.path.dirname(ca), key)) == 0o600
        addrs = db.get_address()
        assert len(addrs) == shards
        for a in addrs:
            assert "PONG" not in plaintext_answer(a)
        # The application gets rediss:// addresses and the CA, and works over TLS.
        m = exp.create_model("m", exp.create_run_settings(
            "/usr/bin/python3", exe_args=[str(exp_dir / "tls_app.py")]))
        exp.start(m, block=True)
        out = read(exp_dir / "exp" / "m" / "m.out")
        assert exp.get_status(m)[0] == insitu.SmartSimStatus.STATUS_COMPLETED, \
            out + read(exp_dir / "exp" / "m" / "m.err")
        assert "OK\n" in out
        ssdb = next(l for l in out.splitlines() if l.startswith("SSDB="))[len("SSDB="):]
        assert all(a.startswith("rediss://") for a in ssdb.split(",")), ssdb
        assert f"SR_TLS_CA_FILE={ca}\n" in out and "SR_DB_USER=app\n" in out, out
        if shards == 1:
            # A co-located database next to it stays plain, and its application gets no CA.
            colo = exp.create_model("colo", exp.create_run_settings(
                "/usr/bin/python3", exe_args=[str(exp_dir / "tls_app.py")]))
            colo.colocate_db_tcp(port=free_port(), db_cpus=1)
            exp.start(colo, block=True)
            out = read(exp_dir / "exp" / "colo" / "colo.out")
            assert "OK\n" in out, out + read(exp_dir / "exp" / "colo" / "colo.err")
            assert "SSDB=127.0.0.1:" in out and "SR_TLS_CA_FILE=\n" in out, out
        # The driver's own client, given the CA, reads what the application stored ...
        monkeypatch.setenv("SSDB", "")  # Client(address=...) writes SSDB; give it back after
        # SmartSim-style: get_address()'s plain host:port, with the CA and the app credentials
        # the driver put into os.environ while the database runs.
        assert os.environ.get("SR_TLS_CA_FILE") == ca
        c0 = insitu.Client(shards > 1, addrs[0])
        assert c0.get_tensor("tls_app").shape == (30, 100)
        # (a context: the driver's own value is back before it stops the database and takes it)
        with monkeypatch.context() as mp:
            mp.setenv("SR_TLS_CA_FILE", ca)
            c = insitu.Client(shards > 1, "rediss://" + addrs[0])
            assert c.get_tensor("tls_app").shape == (30, 100)
            # ... and one that trusts another CA is refused by name.
            mp.setenv("SR_TLS_CA_FILE", other_ca(exp_dir))
            with pytest.raises(insitu.RedisConnectionError, match="certificate verify failed"):
                insitu.Client(shards > 1, "rediss://" + addrs[0])
    finally:
        exp.stop(db)


def test_tls_refusals(exp_dir):
    exp = Experiment("tls-refusals", exp_path=str(exp_dir / "exp"))
    # TLS without authentication would let anyone who reaches the port in.
    with pytest.raises(SSConfigError, match="insecure"):
        exp.create_database(port=free_port(), interface="lo", insecure=True, tls=True)
    orc = insitu.Orchestrator(path=str(exp_dir / "orc"), port=free_port(), tls=True)
    assert orc.tls and orc.tls_ca_file.endswith("/tls/ca.crt")
    # Co-located databases do not serve TLS (yet): refused, not silently plaintext.
    m = exp.create_model("m", exp.create_run_settings("/bin/true"))
    with pytest.raises(SSUnsupportedError, match="co-located"):
        m.colocate_db_tcp(port=free_port(), db_cpus=1, tls=True)
    with pytest.raises(SSUnsupportedError, match="co-located"):
        m.colocate_db_uds(db_cpus=1, tls=True)
    assert not m.colocated
