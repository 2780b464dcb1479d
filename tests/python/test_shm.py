"""The shared-memory path from Python (docs/shared-memory.md): big arrays of every dtype go through
the server's arena (the database runs on this host) and read back bit for bit; a client with
SR_SHM=0 reads the same tensors over the socket."""

import os

import numpy as np
import pytest

import insitu


def shm_puts(client):
    total = 0
    for info in client.get_db_node_info(client.node_addresses()):
        total += int(info["ai_shm"]["ai_shm_puts"])
    return total


DTYPES = [np.float64, np.float32, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
          np.uint32, np.uint64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_big_arrays_go_through_shared_memory(client, dtype):
    rng = np.random.default_rng(7)
    a = (rng.random((64, 32, 128)) * 100).astype(dtype)  # 256k elements: over the threshold
    before = shm_puts(client)
    client.put_tensor("shm_" + np.dtype(dtype).name, a)
    assert shm_puts(client) == before + 1
    b = client.get_tensor("shm_" + np.dtype(dtype).name)
    assert b.dtype == a.dtype and b.shape == a.shape
    assert np.array_equal(a, b)
    out = np.empty_like(a)
    client.unpack_tensor("shm_" + np.dtype(dtype).name, out)
    assert np.array_equal(a, out)


def test_fortran_ordered_and_small_arrays(client):
    a = np.asfortranarray(np.arange(300000, dtype=np.float32).reshape(300, 1000))
    before = shm_puts(client)
    client.put_tensor("shm_f", a)
    small = np.arange(100, dtype=np.int32)
    client.put_tensor("shm_small", small)
    assert shm_puts(client) == before + 1  # the small one went over the socket
    assert np.array_equal(client.get_tensor("shm_f"), a)
    assert np.array_equal(client.get_tensor("shm_small"), small)


def test_a_client_without_it_reads_the_same_tensors(client, monkeypatch):
    a = np.linspace(0, 1, 500000, dtype=np.float64)
    client.put_tensor("shm_shared", a)
    monkeypatch.setenv("SR_SHM", "0")
    other = insitu.Client(logger_name="no-shm")
    before = shm_puts(client)
    assert np.array_equal(other.get_tensor("shm_shared"), a)
    other.put_tensor("shm_socket", a * 2)
    assert shm_puts(client) == before
    assert np.array_equal(client.get_tensor("shm_socket"), a * 2)
