"""DatasetConverter: SmartRedis's xarray conversion of a Dataset.

add_metadata_for_xarray records, in string metadata of the dataset, which tensors are data
variables and which metadata fields hold their dimension names, coordinates and attributes:
  _xarray_data_names               one entry per data variable (tensor name)
  _xarray_<var>_dim_names          comma-joined names of fields whose string is a dimension name
  _xarray_<var>_coord_names        comma-joined names of coordinate variables ("null": none)
  _xarray_<var>_attr_names         comma-joined names of fields holding attribute values
transform_to_xarray builds one xarray.DataArray per data variable from that metadata (it needs
the optional xarray package; RedisRuntimeError without it).
"""

from .client import Dataset
from .error import RedisRuntimeError


def _as_names(value, what, optional=False):
    if value is None and optional:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TypeError(f"{what} must be a non-empty str or a list of non-empty str")
    return value


def _listed(dataset, var, kind):
    """The names recorded in _xarray_<var>_<kind>_names ([] for "null")."""
    text = dataset.get_meta_strings(f"_xarray_{var}_{kind}_names")[0]
    return [] if text == "null" else text.split(",")


class DatasetConverter:
    @staticmethod
    def add_metadata_for_xarray(dataset, data_names, dim_names, coord_names=None,
                                attr_names=None):
        """Records the xarray layout of data variables `data_names` in `dataset`'s metadata."""
        if not isinstance(dataset, Dataset):
            raise TypeError("add_metadata_for_xarray: dataset must be a Dataset")
        data_names = _as_names(data_names, "data_names")
        fields = {"dim": _as_names(dim_names, "dim_names"),
                  "coord": _as_names(coord_names, "coord_names", optional=True),
                  "attr": _as_names(attr_names, "attr_names", optional=True)}
        for var in data_names:
            dataset.add_meta_string("_xarray_data_names", var)
            for kind, names in fields.items():
                dataset.add_meta_string(f"_xarray_{var}_{kind}_names",
                                        ",".join(names) if names else "null")

    @staticmethod
    def transform_to_xarray(dataset):
        """{variable name: xarray.DataArray} for the data variables recorded in `dataset`."""
        try:
            import xarray  # optional dependency, as in SmartRedis
        except ImportError as e:
            raise RedisRuntimeError(
                "DatasetConverter.transform_to_xarray needs the optional package xarray") from e
        if not isinstance(dataset, Dataset):
            raise TypeError("transform_to_xarray: dataset must be a Dataset")

        def first_string(field):
            return dataset.get_meta_strings(field)[0]

        variables = list(dataset.get_meta_strings("_xarray_data_names"))
        # A data variable named as another one's coordinate becomes that variable's coordinate.
        coordinate_of = {}
        for var in variables:
            coords = {}
            for coord in _listed(dataset, var, "coord"):
                if coord in variables:
                    coords[coord] = ([first_string(f) for f in _listed(dataset, coord, "dim")],
                                     dataset.get_tensor(coord),
                                     {f: first_string(f) for f in _listed(dataset, coord, "attr")})
            coordinate_of[var] = coords
        coordinates = {c for coords in coordinate_of.values() for c in coords}
        result = {}
        for var in variables:
            if var in coordinates:
                continue
            result[var] = xarray.DataArray(
                name=var, data=dataset.get_tensor(var), coords=coordinate_of[var],
                dims=[first_string(f) for f in _listed(dataset, var, "dim")],
                attrs={f: first_string(f) for f in _listed(dataset, var, "attr")})
        return result


__all__ = ["DatasetConverter"]
