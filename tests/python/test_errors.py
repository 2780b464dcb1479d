"""Errors map to SmartRedis's exception classes (and ValueError/TypeError for bad arguments)."""

import os

import numpy as np
import pytest

import insitu


def test_missing_key(client):
    with pytest.raises(insitu.RedisKeyError, match="nothing_here"):
        client.get_tensor("nothing_here")
    with pytest.raises(insitu.RedisKeyError):
        client.unpack_tensor("nothing_here", np.zeros(3))
    with pytest.raises(insitu.RedisKeyError):
        client.rename_tensor("nothing_here", "x")
    with pytest.raises(insitu.RedisKeyError):
        client.copy_tensor("nothing_here", "x")
    assert issubclass(insitu.RedisKeyError, insitu.RedisReplyError)
    assert insitu.RedisKeyError.code == 7


def test_wrong_dtype_and_shape(client):
    client.put_tensor("f", np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="FLOAT"):
        client.unpack_tensor("f", np.zeros((2, 3), dtype=np.float64))
    with pytest.raises(insitu.RedisTypeError):
        client.unpack_tensor("f", np.zeros((2, 3), dtype=np.int32))
    with pytest.raises(ValueError):
        client.unpack_tensor("f", np.zeros((4, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        client.unpack_tensor("f", np.zeros((6, 2), dtype=np.float32)[:, ::2])
    with pytest.raises(ValueError):
        ro = np.zeros((2, 3), dtype=np.float32)
        ro.flags.writeable = False
        client.unpack_tensor("f", ro)
    with pytest.raises(TypeError):
        client.put_tensor("c", np.zeros(3, dtype=np.complex128))
    with pytest.raises(TypeError):
        client.put_tensor("s", np.array(["a", "b"]))
    with pytest.raises(ValueError):
        client.put_tensor("scalar", np.float64(1.0))
    with pytest.raises(ValueError):
        client.put_tensor("empty", np.zeros((0, 3)))


def test_bad_addresses(monkeypatch):
    # Client(address=...) writes SSDB (as SmartRedis does): restore it after this test.
    monkeypatch.setenv("SSDB", os.environ["SSDB"])
    with pytest.raises(insitu.RedisParameterError, match="SSDB"):
        insitu.Client(address="not an address!", cluster=False)
    with pytest.raises(ValueError):
        insitu.Client(address="", cluster=False)
    monkeypatch.setenv("SR_CONN_TIMEOUT", "1")
    monkeypatch.setenv("SR_CONN_INTERVAL", "100")
    with pytest.raises(insitu.RedisConnectionError, match="127.0.0.1:1"):
        insitu.Client(address="127.0.0.1:1", cluster=False)
    monkeypatch.delenv("SSDB")
    with pytest.raises(insitu.RedisParameterError):
        insitu.Client()
    with pytest.raises(ValueError):
        insitu.Client(insitu.ConfigOptions.create_empty(), address="127.0.0.1:1")


def test_admin_bad_address(client):
    with pytest.raises(ValueError, match="127.0.0.1:1"):
        client.get_db_node_info(["127.0.0.1:1"])
    with pytest.raises(TypeError):
        client.flush_db(5)


def test_every_class_exported():
    for name in ["RedisConnectionError", "RedisReplyError", "RedisRuntimeError",
                 "RedisBadAllocError", "RedisDatabaseError", "RedisInternalError",
                 "RedisTimeoutError", "RedisKeyError"]:
        cls = getattr(insitu, name)
        assert issubclass(cls, RuntimeError), name
