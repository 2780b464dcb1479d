"""get_tensor results are owned by numpy (not retained by the client): reference counts and the
process's memory stay flat over 10,000 put/get calls."""

import sys

import numpy as np


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_flat_over_10000_calls(client):
    a = np.arange(4096, dtype=np.float64)  # 32 KiB per tensor: 320 MB if every result leaked
    client.put_tensor("m", a)
    for _ in range(200):  # warm up allocator pools
        client.get_tensor("m")
    before = rss_bytes()
    refs_a = sys.getrefcount(a)
    for _ in range(10_000):
        client.put_tensor("m", a)
        b = client.get_tensor("m")
        assert sys.getrefcount(b) == 2  # `b` and the call's argument: nobody else holds it
    assert sys.getrefcount(a) == refs_a
    np.testing.assert_array_equal(a, b)
    grown = rss_bytes() - before
    assert grown < 16 * 2**20, f"RSS grew by {grown} bytes"
