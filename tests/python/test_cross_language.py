"""Tensors cross languages: written by C (and Fortran when built), read by Python, and back."""

import os
import subprocess

import numpy as np
import pytest


def run(helper, *args):
    r = subprocess.run([helper, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_c_writes_python_reads(client):
    run(os.environ["INSITU_C_CROSS"], "write", "from_c")
    a = client.get_tensor("from_c")
    assert a.dtype == np.float64 and a.shape == (3, 4)
    expected = np.array([[10 * i + j for j in range(1, 5)] for i in range(1, 4)], dtype=np.float64)
    np.testing.assert_array_equal(a, expected)


def test_python_writes_c_reads(client):
    t = np.array([[11, 12, 13], [21, 22, 23]], dtype=np.int32)
    client.put_tensor("to_c", np.asfortranarray(t))  # Fortran order in Python, row-major stored
    run(os.environ["INSITU_C_CROSS"], "check", "to_c")


@pytest.mark.skipif(not os.environ.get("INSITU_FORTRAN_CROSS"), reason="Fortran binding not built")
def test_fortran_writes_python_reads(client):
    run(os.environ["INSITU_FORTRAN_CROSS"], "write", "from_fortran")
    a = client.get_tensor("from_fortran")
    # Fortran's a(i,j) = 10*i + j (1-based), shape (3, 4), reads back with the same indices.
    expected = np.array([[10 * i + j for j in range(1, 5)] for i in range(1, 4)], dtype=np.float32)
    np.testing.assert_array_equal(a, expected)


@pytest.mark.skipif(not os.environ.get("INSITU_FORTRAN_CROSS"), reason="Fortran binding not built")
def test_python_writes_fortran_reads(client):
    t = np.array([[11, 12, 13], [21, 22, 23]], dtype=np.int64)
    client.put_tensor("to_fortran", t)
    run(os.environ["INSITU_FORTRAN_CROSS"], "check", "to_fortran")
