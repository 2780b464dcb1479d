"""Databases the Python driver starts are secure by default (docs/security.md): no access without
credentials, applications get the app (or reader) user and its password file, clients the driver
creates itself authenticate; ``insecure=True`` gives SmartSim's open databases and warns."""

import os
import socket
import stat
import sys

import numpy as np
import pytest

import insitu
from insitu import Experiment
from insitu.error import SSConfigError

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
        assert "SR_DB_USER" not in out and not secrets.exists()
    else:
        assert "SR_DB_USER=app\n" in out
        assert f"SR_DB_PASSWORD_FILE={secrets}/app\n" in out
        assert mode(secrets) == 0o700 and mode(secrets / "app") == 0o600
