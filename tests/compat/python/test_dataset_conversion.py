"""SmartRedis 0.6.1's DatasetConverter (tests/python/test_dataset_conversion.py style): the
xarray metadata layout it writes, through a put/get of the dataset. transform_to_xarray needs the
optional xarray package, which this machine lacks; without it SmartRedis raises
RedisRuntimeError, and so must insitu."""

import importlib.util

import numpy as np
import pytest

from insitu import Client, Dataset, DatasetConverter
from insitu.error import RedisRuntimeError


def make_dataset():
    ds = Dataset("ds-xarray")
    ds.add_tensor("1ddata", np.arange(10, dtype=np.float64))
    ds.add_tensor("x", np.linspace(0, 1, 10))
    ds.add_meta_string("x_coord_units", "m")
    ds.add_meta_string("x_coord_longname", "x value")
    ds.add_meta_string("units", "C")
    ds.add_meta_string("longname", "temperature")
    ds.add_meta_string("dim_data_x", "x")
    DatasetConverter.add_metadata_for_xarray(
        ds, data_names=["1ddata"], dim_names=["dim_data_x"], coord_names=["x"],
        attr_names=["units", "longname"])
    DatasetConverter.add_metadata_for_xarray(
        ds, data_names=["x"], dim_names=["dim_data_x"],
        attr_names=["x_coord_units", "x_coord_longname"])
    return ds


def test_add_metadata_for_xarray_layout(context):
    client = Client(None, logger_name=context)
    client.put_dataset(make_dataset())
    ds = client.get_dataset("ds-xarray")
    assert ds.get_meta_strings("_xarray_data_names") == ["1ddata", "x"]
    assert ds.get_meta_strings("_xarray_1ddata_dim_names") == ["dim_data_x"]
    assert ds.get_meta_strings("_xarray_1ddata_coord_names") == ["x"]
    assert ds.get_meta_strings("_xarray_1ddata_attr_names") == ["units,longname"]
    assert ds.get_meta_strings("_xarray_x_coord_names") == ["null"]
    assert ds.get_meta_strings("_xarray_x_attr_names") == ["x_coord_units,x_coord_longname"]


def test_add_metadata_for_xarray_strings_and_errors():
    ds = Dataset("d")
    DatasetConverter.add_metadata_for_xarray(ds, "v", "dim")  # single names as str
    assert ds.get_meta_strings("_xarray_v_dim_names") == ["dim"]
    assert ds.get_meta_strings("_xarray_v_attr_names") == ["null"]
    with pytest.raises(TypeError):
        DatasetConverter.add_metadata_for_xarray("not a dataset", "v", "dim")
    with pytest.raises(TypeError):
        DatasetConverter.add_metadata_for_xarray(ds, [1], "dim")


@pytest.mark.skipif(importlib.util.find_spec("xarray") is not None,
                    reason="xarray is installed: the missing-package error cannot happen")
def test_transform_to_xarray_needs_xarray():
    with pytest.raises(RedisRuntimeError, match="xarray"):
        DatasetConverter.transform_to_xarray(make_dataset())
