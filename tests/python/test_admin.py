"""Administration calls take lists of addresses and return lists, like SmartRedis's Python API."""

import numpy as np


def test_node_info(client):
    addrs = client.node_addresses()
    infos = client.get_db_node_info(addrs)
    assert len(infos) == len(addrs)
    for info in infos:
        assert "redis_version" in info["Server"]
        assert "used_memory" in info["Memory"]


def test_config_set_get(client):
    addr = client.node_addresses()[0]
    client.config_set("maxmemory-policy", "allkeys-lru", addr)
    assert client.config_get("maxmemory-policy", addr) == {"maxmemory-policy": "allkeys-lru"}
    client.config_set("maxmemory-policy", "noeviction", [addr])
    assert client.config_get("maxmemory-*", [addr])[0]["maxmemory-policy"] == "noeviction"


def test_save_and_flush(client):
    client.put_tensor("keep", np.ones(4))
    client.save(client.node_addresses())
    client.flush_db(client.node_addresses())
    assert not client.tensor_exists("keep")


def test_cluster_info(client, is_cluster):
    import pytest
    import insitu
    addrs = client.node_addresses()
    if is_cluster:
        infos = client.get_db_cluster_info(addrs)
        assert all(i["cluster_state"] == "ok" for i in infos)
        assert len(addrs) == 3
    else:
        with pytest.raises(insitu.RedisRuntimeError):
            client.get_db_cluster_info(addrs)
