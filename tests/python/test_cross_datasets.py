"""Datasets and aggregation lists across languages: Fortran writes a list that Python and C++ read,
Python writes one that Fortran and C++ read, and the database holds SmartRedis 0.6.1's layout
(checked with raw TYPE / HGETALL / LRANGE through redis-cli)."""

import os
import struct
import subprocess

import numpy as np
import pytest

import insitu
from conftest import raw_command as cli

N = 5
fortran = pytest.mark.skipif(not os.environ.get("INSITU_FORTRAN_CROSS"),
                             reason="Fortran binding not built")


def run(helper, *args):
    r = subprocess.run([os.environ[helper], *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def a_pattern(k):
    return np.array([[10 * i + j + 100 * k for j in range(1, 5)] for i in range(1, 4)],
                    dtype=np.float64)


def check_pattern(datasets, prefix):
    assert [d.get_name() for d in datasets] == [f"{prefix}_{k}" for k in range(N)]
    for k, d in enumerate(datasets):
        a = d.get_tensor("a")
        assert a.dtype == np.float64 and a.shape == (3, 4)
        np.testing.assert_array_equal(a, a_pattern(k))
        n = d.get_tensor("n")
        assert n.dtype == np.int32
        np.testing.assert_array_equal(n, [k, -k])
        step = d.get_meta_scalars("step")
        assert step.dtype == np.int64
        np.testing.assert_array_equal(step, [k, k + 1])
        dt = d.get_meta_scalars("dt")
        assert dt.dtype == np.float64
        np.testing.assert_array_equal(dt, [0.25 * k])
        assert d.get_meta_strings("units") == ["m/s", "kelvin"]


def packed_strings(*strings):
    return b"\x07" + b"".join(struct.pack("=Q", len(s)) + s.encode() for s in strings)


def check_layout(prefix):
    """SmartRedis 0.6.1's layout for dataset 1 of the pattern, and the list of dataset keys."""
    key = "{%s_1}" % prefix
    assert cli("TYPE", prefix) == [b"list"]
    assert cli("LRANGE", prefix, "0", "-1") == [b"{%s_%d}" % (prefix.encode(), k) for k in range(N)]
    assert cli("TYPE", key + ".meta") == [b"hash"]
    assert cli("TYPE", key + ".a") == [b"AI_TENSOR"]
    assert cli("TYPE", key + ".n") == [b"AI_TENSOR"]
    flat = cli("HGETALL", key + ".meta")
    fields = dict(zip(flat[0::2], flat[1::2]))
    assert fields == {
        b".COMPLETE": b"1",
        b".tensor_names": packed_strings("a", "n"),
        b"step": b"\x04" + struct.pack("=qq", 1, 2),  # SRMetadataTypeInt64, native values
        b"dt": b"\x01" + struct.pack("=d", 0.25),  # SRMetadataTypeDouble
        b"units": packed_strings("m/s", "kelvin"),  # SRMetadataTypeString
    }
    meta = cli("AI.TENSORGET", key + ".a", "META")
    assert meta[:2] == [b"dtype", b"DOUBLE"] and meta[2] == b"shape"


@fortran
def test_fortran_writes_python_and_cpp_read(client):
    run("INSITU_FORTRAN_CROSS", "write-list", "fx", str(N))
    check_pattern(client.get_datasets_from_list("fx"), "fx")
    check_pattern(client.get_dataset_list_range("fx", 0, -1), "fx")
    check_layout("fx")
    run("INSITU_CPP_CROSS", "check-list", "fx", str(N))


def test_python_writes_fortran_and_cpp_read(client):
    for k in range(N):
        ds = insitu.Dataset(f"px_{k}")
        ds.add_tensor("a", a_pattern(k))
        ds.add_tensor("n", np.array([k, -k], dtype=np.int32))
        ds.add_meta_scalar("step", np.int64(k))
        ds.add_meta_scalar("step", np.int64(k + 1))
        ds.add_meta_scalar("dt", np.float64(0.25 * k))
        ds.add_meta_string("units", "m/s")
        ds.add_meta_string("units", "kelvin")
        client.put_dataset(ds)
        client.append_to_list("px", ds)
    check_layout("px")
    run("INSITU_CPP_CROSS", "check-list", "px", str(N))
    if os.environ.get("INSITU_FORTRAN_CROSS"):
        run("INSITU_FORTRAN_CROSS", "check-list", "px", str(N))


def test_checkers_detect_a_difference(client):
    """The helpers fail on a list that differs (so their success above means something)."""
    for k in range(N):
        ds = insitu.Dataset(f"bad_{k}")
        ds.add_tensor("a", a_pattern(k) + (k == 3))
        ds.add_tensor("n", np.array([k, -k], dtype=np.int32))
        ds.add_meta_scalar("step", np.int64(k))
        ds.add_meta_scalar("step", np.int64(k + 1))
        ds.add_meta_scalar("dt", np.float64(0.25 * k))
        ds.add_meta_string("units", "m/s")
        ds.add_meta_string("units", "kelvin")
        client.put_dataset(ds)
        client.append_to_list("bad", ds)
    helpers = ["INSITU_CPP_CROSS"]
    if os.environ.get("INSITU_FORTRAN_CROSS"):
        helpers.append("INSITU_FORTRAN_CROSS")
    for helper in helpers:
        r = subprocess.run([os.environ[helper], "check-list", "bad", str(N)], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode != 0, helper
        r = subprocess.run([os.environ[helper], "check-list", "bad", str(N + 1)],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode != 0, helper
