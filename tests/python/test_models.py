"""Models and scripts from Python: set_function sends the function's source; scripts run on
tensors put from numpy (needs the TORCH backend next to the module); bad model calls raise."""

import os

import numpy as np
import pytest

import insitu

needs_torch = pytest.mark.skipif(not os.environ.get("INSITU_HAVE_TORCH"),
                                 reason="TORCH backend not built")


def times_three(x):
    return 3 * x


@needs_torch
def test_set_function_and_run(client):
    client.set_function("fn", times_three)
    assert client.model_exists("fn") and client.poll_model("fn", 10, 2)
    assert "times_three" in client.get_script("fn")
    client.put_tensor("in", np.arange(4, dtype=np.float32))
    client.run_script("fn", "times_three", "in", "out")  # str accepted for a single name
    np.testing.assert_array_equal(client.get_tensor("out"), 3 * np.arange(4, dtype=np.float32))
    client.set_script("src", "def add(a, b):\n    return a + b\n")
    client.put_tensor("b", np.ones(4, dtype=np.float32))
    client.run_script("src", "add", ["in", "b"], ["sum"])
    np.testing.assert_array_equal(client.get_tensor("sum"), np.arange(4) + 1)
    client.delete_script("fn")
    assert not client.model_exists("fn")


def test_model_errors(client):
    with pytest.raises(ValueError):
        client.set_model("m", b"not a model", "NOBACKEND", "CPU")
    with pytest.raises(ValueError):
        client.set_model("m", b"not a model", "TORCH", "TPU")
    with pytest.raises(TypeError):
        client.set_function("f", 42)
    assert not client.model_exists("never")
    with pytest.raises(insitu.RedisReplyError):
        client.get_model("never")
    with pytest.raises(insitu.RedisReplyError):
        client.run_model("never", ["a"], ["b"])
