"""SmartRedis 0.6.1 Client calls that insitu lacked: get_ai_info, set_model_from_file_multigpu,
set_script_from_file_multigpu (and the file/backend/device handling of the *_from_file calls)."""

import os

import numpy as np
import pytest

from insitu import Client
from insitu.error import RedisDatabaseError, RedisKeyError, RedisReplyError

needs_torch = pytest.mark.skipif(not os.environ.get("INSITU_HAVE_TORCH"),
                                 reason="the server's torch backend is not built")

SCRIPT = """
def times_two(x):
    return 2 * x
"""


@pytest.fixture
def client(context):
    return Client(None, logger_name=context)


@needs_torch
def test_get_ai_info(client, tmp_path):
    script_file = tmp_path / "script.py"
    script_file.write_text(SCRIPT)
    client.set_script_from_file("script", str(script_file), device="cpu")  # any case, as SmartRedis
    client.put_tensor("x", np.arange(4, dtype=np.float32))
    client.run_script("script", "times_two", ["x"], ["y"])
    client.run_script("script", "times_two", "x", "y")
    np.testing.assert_array_equal(client.get_tensor("y"), 2 * np.arange(4))
    nodes = client.node_addresses()  # in a cluster every shard has a copy; one ran it
    infos = client.get_ai_info(nodes, "script")
    assert len(infos) == len(nodes)
    assert all(info["key"] == "script" and info["type"] == "SCRIPT" for info in infos)
    assert all(info["backend"] == "TORCH" and info["device"] == "CPU" for info in infos)
    assert sum(int(info["calls"]) for info in infos) == 2
    assert client.get_ai_info(nodes, "script", reset_stat=True) == [{}] * len(nodes)
    assert sum(int(i["calls"]) for i in client.get_ai_info(nodes, "script")) == 0
    with pytest.raises(RedisKeyError):
        client.get_ai_info(nodes[:1], "no-such-script")
    with pytest.raises(ValueError, match="127.0.0.1:1"):
        client.get_ai_info(["127.0.0.1:1"], "script")
    with pytest.raises(TypeError):
        client.get_ai_info(nodes, "script", reset_stat="yes")


@needs_torch
def test_from_file_multigpu_without_gpu(client, tmp_path):
    """No GPU on this machine: the store fails with the backend's GPU error, nothing is kept."""
    script_file = tmp_path / "script.py"
    script_file.write_text(SCRIPT)
    with pytest.raises(RedisDatabaseError, match="GPU"):
        client.set_script_from_file_multigpu("sg", str(script_file), 0, 2)
    assert not client.model_exists("sg")
    assert not client.model_exists("sg.GPU:0")
    model_file = tmp_path / "model.pt"
    model_file.write_bytes(b"not read: the GPU device fails first")
    with pytest.raises(RedisReplyError):
        client.set_model_from_file_multigpu("mg", str(model_file), "torch", 0, 1)
    assert not client.model_exists("mg")
    assert not client.model_exists("mg.GPU:0")


def test_from_file_missing_files(client, tmp_path):
    missing = str(tmp_path / "missing.pt")
    for call in (lambda: client.set_model_from_file("m", missing, "TORCH"),
                 lambda: client.set_model_from_file_multigpu("m", missing, "TORCH", 0, 1),
                 lambda: client.set_script_from_file("s", missing),
                 lambda: client.set_script_from_file_multigpu("s", missing, 0, 1)):
        with pytest.raises(FileNotFoundError, match="missing.pt"):
            call()
    with pytest.raises(ValueError):
        client.set_model_from_file_multigpu("m", __file__, "TORCH", 0, 0)  # num_gpus must be > 0


def bad_function(data):
    """Bad function which only raises an exception"""
    return False


def test_argument_errors_as_smartredis(client):
    """SmartRedis's tests/python/test_errors.py expectations: wrong types and unknown
    backend/device names raise TypeError (insitu's are also ValueErrors), checked before the
    file is looked for; invalid GPU ranges raise ValueError."""
    with pytest.raises(TypeError):
        client.set_script("key", "some_script", device="not-a-gpu")
    with pytest.raises(ValueError):
        client.set_script("key", "some_script", device="not-a-gpu")
    with pytest.raises(TypeError):
        client.set_model("m", b"blob", "UNSUPPORTED_ENGINE", "CPU")
    with pytest.raises(TypeError):
        client.set_model("m", b"blob", "TORCH", "BAD_DEVICE")
    with pytest.raises(TypeError):
        client.set_model("m", b"blob", "TORCH", "CPU", tag=42)
    with pytest.raises(TypeError):
        client.set_model("m", b"blob", "TORCH", "CPU", batch_size="not_an_integer")
    missing = "bad filename but correct parameter type"
    with pytest.raises(TypeError):
        client.set_script_from_file(42, missing, "CPU")
    with pytest.raises(TypeError):
        client.set_script_from_file("key", missing, 42)
    with pytest.raises(TypeError):
        client.set_script_from_file_multigpu("key", missing, "not an integer", 1)
    with pytest.raises(TypeError):
        client.set_model_from_file("m", missing, "TORCH", 42)
    with pytest.raises(TypeError):
        client.set_model_from_file_multigpu("m", missing, "TORCH", 0, "not an integer")
    with pytest.raises(FileNotFoundError):
        client.set_script_from_file("key", "not-a-file")
    with pytest.raises(TypeError):
        client.run_script("my_script", "phred", 42, ["out"])
    with pytest.raises(TypeError):
        client.set_function_multigpu("key", bad_function, "not an integer", 1)
    with pytest.raises(ValueError):
        client.set_function_multigpu("key", bad_function, -1, 1)  # invalid first GPU
    with pytest.raises(ValueError):
        client.set_function_multigpu("key", bad_function, 0, 0)  # invalid num GPUs
    with pytest.raises(TypeError):
        client.get_model(42)
