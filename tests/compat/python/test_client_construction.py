"""Every documented SmartRedis 0.6.1 Client constructor form (SmartRedis's
tests/python/test_client.py, with a put/get through each client), and its argument errors."""

import os

import numpy as np
import pytest

import insitu as smartredis
from insitu import Client, ConfigOptions
from insitu.error import RedisConnectionError


def roundtrip(client, name):
    data = np.arange(6, dtype=np.float64).reshape(2, 3) * len(name)
    client.put_tensor(name, data)
    np.testing.assert_array_equal(client.get_tensor(name), data)


def test_standard_forms(use_cluster, context):
    address = os.environ["SSDB"]
    forms = {
        "none_logger_kw": lambda: Client(None, logger_name=context),
        "no_args": lambda: Client(),
        "none": lambda: Client(None),
        "none_logger_pos": lambda: Client(None, context),
        "cfg_pos": lambda: Client(ConfigOptions.create_from_environment("")),
        "cfg_logger": lambda: Client(ConfigOptions.create_from_environment(""), context),
        "cfg_kw": lambda: Client(config_options=ConfigOptions.create_from_environment(""),
                                 logger_name=context),
        "logger_kw_only": lambda: Client(logger_name=context),
        "cluster_pos": lambda: Client(use_cluster),
        "cluster_address_pos": lambda: Client(use_cluster, address),
        "cluster_address_logger": lambda: Client(use_cluster, address, context),
        "cluster_kw": lambda: Client(cluster=use_cluster),
        "address_cluster_kw": lambda: Client(address=address, cluster=use_cluster),
        "cluster_pos_kw": lambda: Client(use_cluster, address=address, logger_name=context),
    }
    for name, make in forms.items():
        client = make()
        assert client.is_cluster() == use_cluster, name
        roundtrip(client, name)


def test_config_options_with_suffix(use_cluster, monkeypatch):
    """SmartRedis's multi-database form: ConfigOptions.create_from_environment("SUFFIX")."""
    monkeypatch.setenv("SSDB_OTHERDB", os.environ["SSDB"])
    monkeypatch.setenv("SR_DB_TYPE_OTHERDB", "Clustered" if use_cluster else "Standalone")
    monkeypatch.delenv("SSDB")
    client = Client(ConfigOptions.create_from_environment("OTHERDB"), logger_name="suffixed")
    roundtrip(client, "suffixed")


def test_logger_name_default_and_str(context):
    assert "Default" in str(Client(None))
    assert context in str(Client(None, logger_name=context))


def test_invalid_forms(use_cluster):
    with pytest.raises(TypeError):
        Client("127.0.0.1:6379")  # SmartRedis <0.5's Client(address, cluster) form is gone
    with pytest.raises(TypeError):
        Client(None, bad_keyword=1)
    with pytest.raises(TypeError):
        Client(use_cluster, config_options=None)
    with pytest.raises(TypeError):
        Client(None, "name", "extra")
    with pytest.raises(TypeError):
        Client(None, logger_name=3)
    with pytest.raises(TypeError):
        Client(cluster="yes")


def test_no_database_configured(monkeypatch):
    monkeypatch.delenv("SSDB")
    with pytest.raises(RedisConnectionError, match="SSDB"):
        Client(None, logger_name="nowhere")
    with pytest.raises(RedisConnectionError):
        Client(False)
    assert issubclass(smartredis.RedisConnectionError, RuntimeError)


def test_unreachable_database(monkeypatch):
    monkeypatch.setenv("SR_CONN_TIMEOUT", "1")
    monkeypatch.setenv("SR_CONN_INTERVAL", "100")
    with pytest.raises(RedisConnectionError, match="127.0.0.1:1"):
        Client(False, "127.0.0.1:1")


def test_serialization(context):
    c = Client(None, logger_name=context)
    assert str(c) != repr(c)


def test_address_sets_ssdb(context, monkeypatch):
    """SmartRedis's test_address: Client(cluster, address=...) works without SSDB and leaves the
    address in os.environ["SSDB"] for later clients."""
    ssdb = os.environ["SSDB"]
    monkeypatch.delenv("SSDB")
    first = Client(os.environ.get("SR_DB_TYPE") == "Clustered", address=ssdb,
                   logger_name=context)
    assert os.environ["SSDB"] == ssdb
    roundtrip(first, "via_address")
    roundtrip(Client(None, logger_name="from_env"), "via_env")  # finds the address there
