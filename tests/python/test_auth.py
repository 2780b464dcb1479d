"""Authentication against a database that requires it (the ctest `auth` fixture: every server has
requirepass and the ACL users "app" and "reader"; SR_DB_PASSWORD_FILE is exported and
INSITU_TEST_DB_DIR holds the users' password files). The other fixtures' runs leave this file out;
run without the auth fixture it fails, never skips."""

import os
import stat
import subprocess
import time

import numpy as np
import pytest

import insitu

DB_DIR = os.environ.get("INSITU_TEST_DB_DIR")
if not DB_DIR:
    raise RuntimeError("test_auth.py needs the auth database fixture (ctest python_auth_tests)")


def secret(name):
    with open(os.path.join(DB_DIR, name)) as f:
        return f.read().strip()


def first_node():
    return os.environ["SSDB"].split(",")[0]


def cluster():
    return os.environ.get("SR_DB_TYPE", "Clustered").lower() == "clustered"


def options(**values):
    """ConfigOptions from the environment, with the fixture's password file turned off unless
    given, and short timeouts (a refusal must not wait for them anyway)."""
    cfg = insitu.ConfigOptions.create_from_environment("")
    values.setdefault("SR_DB_PASSWORD_FILE", "")
    for name, value in values.items():
        cfg.override_string_option(name, value)
    cfg.override_integer_option("SR_CONN_TIMEOUT", 20)
    cfg.override_integer_option("SR_CMD_TIMEOUT", 20)
    return cfg


def all_secrets():
    return [secret(n) for n in ("password", "app.password", "reader.password")]


def assert_no_secret(text):
    for s in all_secrets():
        assert s not in text


def test_password_file_from_the_environment(client):
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    client.put_tensor("py_auth", data)
    np.testing.assert_array_equal(client.get_tensor("py_auth"), data)
    assert_no_secret(str(client))
    assert_no_secret(repr(client))


def test_redis_cli_without_credentials_is_refused():
    host, port = first_node().rsplit(":", 1)
    env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
    out = subprocess.run(["redis-cli", "-h", host, "-p", port, "PING"], capture_output=True,
                         env=env, timeout=30).stdout.decode()
    assert "NOAUTH" in out


def test_address_url_with_an_acl_user(monkeypatch):
    monkeypatch.setenv("SSDB", os.environ["SSDB"])  # restored after the test
    monkeypatch.delenv("SR_DB_PASSWORD_FILE")
    url = f"redis://app:{secret('app.password')}@{first_node()}"
    c = insitu.Client(address=url, cluster=cluster(), logger_name="py_auth_url")
    # As in SmartRedis, the address becomes the process's SSDB (password included: documented).
    assert os.environ["SSDB"] == url
    c.put_tensor("py_url", np.ones(5))
    np.testing.assert_array_equal(c.get_tensor("py_url"), np.ones(5))
    assert_no_secret(str(c))
    with pytest.raises(insitu.RedisDatabaseError,
                       match="permission denied: user 'app' may not run FLUSHDB") as e:
        c.flush_db([first_node()])
    assert_no_secret(str(e.value))


def test_password_through_config_options():
    c = insitu.Client(options(SR_DB_PASSWORD=secret("password")), logger_name="py_auth_cfg")
    c.put_tensor("py_cfg", np.zeros(3, dtype=np.int32))
    assert c.tensor_exists("py_cfg")


def test_read_only_user(client):
    client.put_tensor("py_shared", np.full(4, 2.5))
    reader = insitu.Client(options(SR_DB_USER="reader",
                                   SR_DB_PASSWORD=secret("reader.password")),
                           logger_name="py_reader")
    np.testing.assert_array_equal(reader.get_tensor("py_shared"), np.full(4, 2.5))
    with pytest.raises(insitu.RedisDatabaseError,
                       match="permission denied: user 'reader' may not run AI.TENSORSET") as e:
        reader.put_tensor("py_shared", np.zeros(4))
    assert_no_secret(str(e.value))


def test_wrong_password_fails_fast():
    start = time.monotonic()
    with pytest.raises(insitu.RedisConnectionError, match="authentication failed at") as e:
        insitu.Client(options(SR_DB_PASSWORD="py-wrong-secret"), logger_name="py_wrong")
    assert time.monotonic() - start < 2
    assert "wrong user name or password" in str(e.value)
    assert "py-wrong-secret" not in str(e.value)


def test_missing_password_says_what_to_set(monkeypatch):
    monkeypatch.delenv("SR_DB_PASSWORD_FILE")
    start = time.monotonic()
    with pytest.raises(insitu.RedisConnectionError,
                       match="the database requires a password; set SR_DB_PASSWORD"):
        insitu.Client(options(), logger_name="py_missing")
    assert time.monotonic() - start < 2


def test_password_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "pw"
    path.write_text(secret("password") + "\n")
    path.chmod(0o644)
    with pytest.raises(insitu.RedisParameterError, match="mode 0644") as e:
        insitu.Client(options(SR_DB_PASSWORD_FILE=str(path)), logger_name="py_file")
    assert str(path) in str(e.value)
    assert_no_secret(str(e.value))
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    c = insitu.Client(options(SR_DB_PASSWORD_FILE=str(path)), logger_name="py_file_ok")
    assert not c.tensor_exists("py_nothing")


def test_rediss_to_a_plaintext_server_fails_clearly():
    cfg = options(SSDB=f"rediss://:{secret('password')}@{first_node()}")
    cfg.override_integer_option("SR_CONN_TIMEOUT", 2)
    t0 = time.monotonic()
    with pytest.raises(insitu.RedisReplyError, match=r"is the server serving TLS on this port") as e:
        insitu.Client(cfg, logger_name="py_tls")
    assert time.monotonic() - t0 < 4
    assert_no_secret(str(e.value))
