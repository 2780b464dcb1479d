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


def _models_dir():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "models")


@needs_torch
def test_run_model_with_arrays_is_one_round_trip_equal_to_three_calls(client):
    """run_model with numpy inputs: put + run + get in one request, no key written, outputs bit
    for bit those of put_tensor + run_model + get_tensor."""
    models = _models_dir()
    client.set_model_from_file("mlp", os.path.join(models, "mlp_traced.pt"), "TORCH", "CPU")
    x = np.load(os.path.join(models, "mlp_traced.in0.npy"))
    client.put_tensor("x", x)
    assert client.run_model("mlp", ["x"], ["y"]) is None  # key names: SmartRedis's call
    three_calls = client.get_tensor("y")

    (y,) = client.run_model("mlp", inputs=[x])
    assert y.dtype == np.float32 and y.shape == (1, 10)
    assert y.tobytes() == three_calls.tobytes()
    np.testing.assert_allclose(y, np.load(os.path.join(models, "mlp_traced.out0.npy")),
                               atol=1e-5)
    # A single array is accepted too, and so is an output count.
    (y1,) = client.run_model("mlp", x, outputs=1)
    assert y1.tobytes() == three_calls.tobytes()
    # Output arrays filled in place (and returned).
    out = np.full((1, 10), -1.0, dtype=np.float32)
    (same,) = client.run_model("mlp", [x], [out])
    assert same is out and out.tobytes() == three_calls.tobytes()
    # The request's tensors never became keys.
    for name in ("in0", "out0"):
        assert not client.key_exists(name)

    # Two inputs, two outputs.
    client.set_model_from_file("m", os.path.join(models, "two_inputs.pt"), "TORCH", "CPU")
    a = np.load(os.path.join(models, "two_inputs.in0.npy"))
    b = np.load(os.path.join(models, "two_inputs.in1.npy"))
    s, p = client.run_model("m", [a, b], outputs=2)
    client.put_tensor("a", a)
    client.put_tensor("b", b)
    client.run_model("m", ["a", "b"], ["s", "p"])
    assert s.tobytes() == client.get_tensor("s").tobytes()
    assert p.tobytes() == client.get_tensor("p").tobytes()


@needs_torch
def test_run_model_with_arrays_errors(client):
    models = _models_dir()
    client.set_model_from_file("mlp", os.path.join(models, "mlp_traced.pt"), "TORCH", "CPU")
    x = np.load(os.path.join(models, "mlp_traced.in0.npy"))
    with pytest.raises(insitu.RedisKeyError, match="nosuch"):
        client.run_model("nosuch", [x])
    with pytest.raises(insitu.RedisReplyError, match="run_model 'mlp' failed"):
        client.run_model("mlp", [np.ones((1, 32), dtype=np.float32)])
    out = np.zeros((1, 5), dtype=np.float32)
    with pytest.raises(insitu.RedisParameterError, match="output 0 has shape"):
        client.run_model("mlp", [x], [out])
    assert not out.any()  # nothing written
    with pytest.raises(insitu.RedisTypeError):
        client.run_model("mlp", [x], [np.zeros((1, 10), dtype=np.float64)])
    # The connection still serves the next call.
    (y,) = client.run_model("mlp", [x])
    assert y.shape == (1, 10)


@needs_torch
def test_run_model_with_arrays_bfloat16_output_is_as_get_tensor(client, tmp_path):
    """A bfloat16 output comes back from the one-round-trip call as get_tensor returns it."""
    import torch

    class Bf16(torch.nn.Module):
        def forward(self, x):
            return (x * 2).to(torch.bfloat16)

    path = tmp_path / "bf16.pt"
    torch.jit.save(torch.jit.script(Bf16()), str(path))
    client.set_model_from_file("bf16", str(path), "TORCH", "CPU")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    (y,) = client.run_model("bf16", [x])
    client.put_tensor("bx", x)
    client.run_model("bf16", ["bx"], ["by"])
    z = client.get_tensor("by")
    assert y.dtype == z.dtype and y.shape == (2, 3)
    assert y.tobytes() == z.tobytes()
