"""Datasets and aggregation lists from Python (SmartRedis 0.6.1's layout, written by the C++
client), read back whole, and read by the C API."""

import numpy as np
import pytest

import insitu


def make(name, k=0):
    ds = insitu.Dataset(name)
    ds.add_tensor("x", np.arange(6, dtype=np.float32).reshape(2, 3) + k)
    ds.add_tensor("f", np.asfortranarray(np.arange(6, dtype=np.int64).reshape(3, 2)))
    ds.add_meta_scalar("step", k)
    ds.add_meta_scalar("step", k + 1)
    ds.add_meta_scalar("dt", np.float32(0.5))
    ds.add_meta_string("who", "python")
    return ds


def test_dataset_in_memory():
    ds = make("mem")
    assert ds.get_name() == "mem" and ds.get_tensor_names() == ["x", "f"]
    np.testing.assert_array_equal(ds.get_tensor("f"), np.arange(6).reshape(3, 2))
    assert ds.get_tensor_type("x") == np.float32 and ds.get_tensor_dims("x") == [2, 3]
    np.testing.assert_array_equal(ds.get_meta_scalars("step"), [0, 1])
    assert ds.get_meta_scalars("step").dtype == np.int64
    assert ds.get_meta_scalars("dt").dtype == np.float32
    assert ds.get_meta_strings("who") == ["python"]
    assert ds.get_metadata_field_names() == ["dt", "step", "who"]
    assert ds.get_metadata_field_type("who") is str
    assert ds.get_metadata_field_type("dt") == np.float32
    assert ds.has_field("dt")
    ds.clear_field("dt")
    assert not ds.has_field("dt")
    with pytest.raises(insitu.RedisKeyError):
        ds.get_tensor("nope")
    with pytest.raises(TypeError):
        ds.add_meta_scalar("c", np.complex64(1))
    with pytest.raises(ValueError):
        ds.add_tensor("x", np.zeros(2))  # name used already


def test_put_get_rename_copy_delete(client):
    client.put_dataset(make("d1", 3))
    assert client.dataset_exists("d1") and client.poll_dataset("d1", 10, 2)
    back = client.get_dataset("d1")
    np.testing.assert_array_equal(back.get_tensor("x"), np.arange(6).reshape(2, 3) + 3)
    np.testing.assert_array_equal(back.get_meta_scalars("step"), [3, 4])
    assert back.get_meta_strings("who") == ["python"]
    client.copy_dataset("d1", "d2")
    client.rename_dataset("d2", "d3")
    assert not client.dataset_exists("d2") and client.dataset_exists("d3")
    client.delete_dataset("d3")
    assert not client.dataset_exists("d3")
    with pytest.raises(insitu.RedisKeyError, match="d_missing"):
        client.get_dataset("d_missing")


def test_lists(client):
    for k in range(4):
        ds = make(f"l{k}", k)
        client.put_dataset(ds)
        client.append_to_list("agg", ds)
    assert client.get_list_length("agg") == 4
    assert client.poll_list_length("agg", 4, 10, 2)
    assert client.poll_list_length_gte("agg", 3, 10, 2)
    assert not client.poll_list_length_lte("agg", 3, 10, 2)
    sets = client.get_datasets_from_list("agg")
    assert [d.get_meta_scalars("step")[0] for d in sets] == [0, 1, 2, 3]
    last2 = client.get_dataset_list_range("agg", -2, -1)
    assert [d.get_name() for d in last2] == ["l2", "l3"]
    client.copy_list("agg", "agg2")
    client.rename_list("agg2", "agg3")
    assert client.get_list_length("agg3") == 4
    client.delete_list("agg3")
    assert client.get_list_length("agg3") == 0
