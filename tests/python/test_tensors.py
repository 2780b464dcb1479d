"""Tensors through numpy: every dtype, ranks 1-4, C and Fortran order, views, unpack, and the
key, polling and prefix calls."""

import threading
import time

import numpy as np
import pytest

import insitu

DTYPES = [np.float64, np.float32, np.float16, np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.uint16, np.uint32, np.uint64, np.bool_]


def sample(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "b":
        return rng.integers(0, 2, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), (2, 3, 2, 5)])
def test_round_trip(client, dtype, shape):
    a = sample(dtype, shape)
    client.put_tensor("t", a)
    b = client.get_tensor("t")
    assert b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)
    assert b.flags.owndata and b.flags.c_contiguous and b.flags.writeable


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.uint8])
def test_fortran_order(client, dtype):
    a = np.asfortranarray(sample(dtype, (3, 4, 5), seed=1))
    assert not a.flags.c_contiguous
    client.put_tensor("f", a)
    b = client.get_tensor("f")  # stored row-major: same logical array, C order
    np.testing.assert_array_equal(a, b)
    out = np.empty((3, 4, 5), dtype=dtype, order="F")
    client.unpack_tensor("f", out)
    np.testing.assert_array_equal(a, out)


def test_non_contiguous_view(client):
    base = np.arange(60, dtype=np.int64).reshape(6, 10)
    view = base[::2, 1::3]
    client.put_tensor("v", view)
    np.testing.assert_array_equal(client.get_tensor("v"), view)


def test_unpack(client):
    a = sample(np.float32, (4, 5))
    client.put_tensor("u", a)
    out = np.zeros((4, 5), dtype=np.float32)
    client.unpack_tensor("u", out)
    np.testing.assert_array_equal(a, out)
    flat = np.zeros(20, dtype=np.float32)  # same element count, contiguous: accepted
    client.unpack_tensor("u", flat)
    np.testing.assert_array_equal(a.ravel(), flat)


def test_lists_and_scalars_are_arrays(client):
    client.put_tensor("l", [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(client.get_tensor("l"), [[1.0, 2.0], [3.0, 4.0]])


def test_rename_copy_delete_exists_poll(client):
    a = np.arange(6, dtype=np.int16)
    client.put_tensor("a", a)
    assert client.tensor_exists("a") and not client.tensor_exists("b")
    client.copy_tensor("a", "b")
    np.testing.assert_array_equal(client.get_tensor("b"), a)
    client.rename_tensor("b", "c")
    assert not client.tensor_exists("b")
    assert client.poll_tensor("c", 10, 3)
    client.delete_tensor("c")
    assert not client.poll_tensor("c", 10, 2)
    assert client.key_exists("a") and not client.key_exists("c")
    assert client.poll_key("a", 10, 2) and not client.poll_key("zz", 5, 2)


def test_prefixes(client, monkeypatch):
    monkeypatch.setenv("SSKEYOUT", "ens1")
    monkeypatch.setenv("SSKEYIN", "ens1,ens0")
    member = insitu.Client(logger_name="member")
    member.put_tensor("x", np.ones(3))
    assert client.key_exists("ens1.x") and member.tensor_exists("x")
    client.put_tensor("ens0.y", np.zeros(2))
    assert not member.tensor_exists("y")
    member.set_data_source("ens0")
    assert member.tensor_exists("y")
    with pytest.raises(ValueError):
        member.set_data_source("ens7")
    member.use_tensor_ensemble_prefix(False)
    member.put_tensor("bare", np.ones(1))
    assert client.key_exists("bare")
    member.use_dataset_ensemble_prefix(False)
    member.use_model_ensemble_prefix(True)
    member.use_list_ensemble_prefix(False)


def test_config_options_and_constructors(client, monkeypatch, is_cluster):
    import os
    monkeypatch.setenv("SSDB_PYT", os.environ["SSDB"])
    monkeypatch.setenv("SR_DB_TYPE_PYT", os.environ["SR_DB_TYPE"])
    cfg = insitu.ConfigOptions.create_from_environment("PYT")
    assert cfg.is_configured("SSDB") and cfg.get_string_option("SSDB") == os.environ["SSDB"]
    assert not cfg.is_configured("SR_NOT_THERE")
    with pytest.raises(insitu.RedisKeyError):
        cfg.get_integer_option("SR_NOT_THERE")
    cfg.override_integer_option("SR_CONN_TIMEOUT", 5)
    assert cfg.get_integer_option("SR_CONN_TIMEOUT") == 5
    c = insitu.Client(cfg, logger_name="cfg")
    c.put_tensor("via_cfg", np.ones(2))
    assert client.tensor_exists("via_cfg")
    c2 = insitu.Client(config_options=cfg)
    assert c2.tensor_exists("via_cfg")
    first = os.environ["SSDB"].split(",")[0]
    c3 = insitu.Client(address=first, cluster=is_cluster)
    assert c3.tensor_exists("via_cfg") and c3.is_cluster() == is_cluster
    c4 = insitu.Client(is_cluster, first, "deprecated_form")
    assert c4.tensor_exists("via_cfg")
    assert "via_cfg" not in str(c4) and len(repr(c4)) > 0


def bf16_round(a):
    """float32 values rounded to bfloat16 (nearest even) and widened back, computed here."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return r.astype(np.uint32).view(np.float32).reshape(np.shape(a))


def test_bfloat16(client, redis_cli):
    a = np.array([[1.0, -2.5, 3.14159265], [1e30, -1e-30, 65504.0]], dtype=np.float64)
    client.put_tensor("bf", a, dtype="bfloat16")
    assert redis_cli("AI.TENSORGET", "bf", "META")[:2] == [b"dtype", b"BFLOAT16"]
    got = client.get_tensor("bf")
    assert got.dtype == np.float32 and got.shape == (2, 3)
    np.testing.assert_array_equal(got, bf16_round(a.astype(np.float32)))
    assert got[0, 0] == 1.0 and got[0, 1] == -2.5 and got[0, 2] != np.float32(3.14159265)
    # Fortran-order and non-contiguous sources are converted the same way
    client.put_tensor("bf_f", np.asfortranarray(a), dtype="bfloat16")
    np.testing.assert_array_equal(client.get_tensor("bf_f"), got)
    client.put_tensor("bf_v", a[:, ::2], dtype="bfloat16")
    np.testing.assert_array_equal(client.get_tensor("bf_v"), got[:, ::2])
    # unpack_tensor checks the dtype: a bfloat16 tensor is not float32
    with pytest.raises(insitu.RedisTypeError):
        client.unpack_tensor("bf", np.empty((2, 3), dtype=np.float32))
    with pytest.raises(insitu.RedisParameterError, match="bfloat16"):
        client.put_tensor("bf", a, dtype="bfloat17")
    with pytest.raises(ValueError):
        client.put_tensor("bf", np.array(["x"]), dtype="bfloat16")
    # in datasets too
    ds = insitu.Dataset("bfds")
    ds.add_tensor("t", a, dtype="bfloat16")
    assert ds.get_tensor_type("t") == "bfloat16"
    client.put_dataset(ds)
    back = client.get_dataset("bfds")
    assert back.get_tensor_type("t") == "bfloat16"
    np.testing.assert_array_equal(back.get_tensor("t"), got)


def test_float16_wire_type(client, redis_cli):
    a = np.array([0.5, -1.0, 65504.0], dtype=np.float16)
    client.put_tensor("h", a)
    assert redis_cli("AI.TENSORGET", "h", "META")[:2] == [b"dtype", b"FLOAT16"]
    got = client.get_tensor("h")
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, a)


def test_string_arrays_are_refused(client):
    """STRING tensors are not supported by the client (C++, C, Fortran or Python)."""
    with pytest.raises(TypeError, match="dtype"):
        client.put_tensor("s", np.array(["a", "bc"]))
    with pytest.raises(TypeError, match="dtype"):
        client.put_tensor("s", np.array([b"a", b"bc"]))


def test_poll_is_woken_by_the_write(client):
    """poll_tensor / poll_list_length_gte block on the server (AI._WAIT) and return when another
    client writes, long before the next try of a polling loop (8 s apart here)."""
    producer = insitu.Client(logger_name="pytest-producer")

    def write_later():
        time.sleep(0.2)
        producer.put_tensor("woken", np.arange(3, dtype=np.float32))
        time.sleep(0.2)
        producer.append_to_list("woken_list", insitu.Dataset("ds"))

    t = threading.Thread(target=write_later)
    t0 = time.monotonic()
    t.start()
    try:
        assert client.poll_tensor("woken", 8000, 3)
        assert client.poll_list_length_gte("woken_list", 1, 8000, 3)
    finally:
        t.join()
    assert time.monotonic() - t0 < 6.0
    np.testing.assert_array_equal(client.get_tensor("woken"), np.arange(3, dtype=np.float32))


def test_put_and_unpack_tensors_in_one_call(client):
    """put_tensors / unpack_tensors take lists; round trips are bit-exact, and a missing key is
    reported by name while the other arrays are filled."""
    arrays = [sample(DTYPES[i % len(DTYPES)], (2, 3 + i % 4), seed=i) for i in range(40)]
    names = ["batch%d" % i for i in range(len(arrays))]
    client.put_tensors(names, arrays)
    out = [np.zeros_like(a) for a in arrays]
    client.unpack_tensors(names, out)
    for a, b, c, n in zip(arrays, out, client.get_tensors(names), names):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(c, a)
        assert c.dtype == a.dtype and c.shape == a.shape
        np.testing.assert_array_equal(client.get_tensor(n), a)
    out = [np.zeros_like(arrays[0]), np.zeros(3, dtype=np.float32), np.zeros_like(arrays[1])]
    with pytest.raises(insitu.RedisKeyError, match="nowhere"):
        client.unpack_tensors([names[0], "nowhere", names[1]], out)
    np.testing.assert_array_equal(out[0], arrays[0])
    np.testing.assert_array_equal(out[2], arrays[1])
    with pytest.raises(insitu.RedisParameterError):
        client.put_tensors(["a", "b"], [np.zeros(2)])
