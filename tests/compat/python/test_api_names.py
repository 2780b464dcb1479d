"""Every public name of SmartRedis 0.6.1's Python package exists in insitu, and takes the same
parameter names (so keyword calls port unchanged; insitu may add trailing ones). The lists are
SmartRedis 0.6.1's (src/python/module/smartredis/*.py)."""

import inspect
import re

import pytest

import insitu
import insitu.configoptions
import insitu.dataset
import insitu.dataset_utils
import insitu.error
import insitu.logcontext
import insitu.logger
import insitu.srobject

SROBJECT = {
    "get_srobject": [], "set_srobject": ["srobject"],
    "log_data": ["level", "data"], "log_warning": ["level", "data"], "log_error": ["level", "data"],
}
POLL = ["poll_frequency_ms", "num_tries"]
MODEL_OPTS = ["batch_size", "min_batch_size", "min_batch_timeout", "tag", "inputs", "outputs"]
CLIENT = dict(SROBJECT, **{
    "put_tensor": ["name", "data"], "get_tensor": ["name"], "delete_tensor": ["name"],
    "copy_tensor": ["src_name", "dest_name"], "rename_tensor": ["old_name", "new_name"],
    "put_dataset": ["dataset"], "get_dataset": ["name"], "delete_dataset": ["name"],
    "copy_dataset": ["src_name", "dest_name"], "rename_dataset": ["old_name", "new_name"],
    "set_function": ["name", "function", "device"],
    "set_function_multigpu": ["name", "function", "first_gpu", "num_gpus"],
    "set_script": ["name", "script", "device"],
    "set_script_multigpu": ["name", "script", "first_gpu", "num_gpus"],
    "set_script_from_file": ["name", "file", "device"],
    "set_script_from_file_multigpu": ["name", "file", "first_gpu", "num_gpus"],
    "get_script": ["name"],
    "run_script": ["name", "fn_name", "inputs", "outputs"],
    "run_script_multigpu": ["name", "fn_name", "inputs", "outputs", "offset", "first_gpu",
                            "num_gpus"],
    "delete_script": ["name"], "delete_script_multigpu": ["name", "first_gpu", "num_gpus"],
    "get_model": ["name"],
    "set_model": ["name", "model", "backend", "device"] + MODEL_OPTS,
    "set_model_multigpu": ["name", "model", "backend", "first_gpu", "num_gpus"] + MODEL_OPTS,
    "set_model_from_file": ["name", "model_file", "backend", "device"] + MODEL_OPTS,
    "set_model_from_file_multigpu": ["name", "model_file", "backend", "first_gpu",
                                     "num_gpus"] + MODEL_OPTS,
    "run_model": ["name", "inputs", "outputs"],
    "run_model_multigpu": ["name", "offset", "first_gpu", "num_gpus", "inputs", "outputs"],
    "delete_model": ["name"], "delete_model_multigpu": ["name", "first_gpu", "num_gpus"],
    "tensor_exists": ["name"], "dataset_exists": ["name"], "model_exists": ["name"],
    "key_exists": ["key"], "poll_key": ["key"] + POLL, "poll_tensor": ["name"] + POLL,
    "poll_dataset": ["name"] + POLL, "poll_model": ["name"] + POLL,
    "set_data_source": ["source_id"],
    "use_model_ensemble_prefix": ["use_prefix"], "use_list_ensemble_prefix": ["use_prefix"],
    "use_tensor_ensemble_prefix": ["use_prefix"], "use_dataset_ensemble_prefix": ["use_prefix"],
    "get_db_node_info": ["addresses"], "get_db_cluster_info": ["addresses"],
    "get_ai_info": ["address", "key", "reset_stat"], "flush_db": ["addresses"],
    "config_get": ["expression", "address"], "config_set": ["config_param", "value", "address"],
    "save": ["addresses"], "set_model_chunk_size": ["chunk_size"],
    "append_to_list": ["list_name", "dataset"], "delete_list": ["list_name"],
    "copy_list": ["src_name", "dest_name"], "rename_list": ["src_name", "dest_name"],
    "get_list_length": ["list_name"],
    "poll_list_length": ["name", "list_length"] + POLL,
    "poll_list_length_gte": ["name", "list_length"] + POLL,
    "poll_list_length_lte": ["name", "list_length"] + POLL,
    "get_datasets_from_list": ["list_name"],
    "get_dataset_list_range": ["list_name", "start_index", "end_index"],
})
DATASET = dict(SROBJECT, **{
    "from_pybind": ["dataset"], "get_data": [], "set_data": ["dataset"],
    "add_tensor": ["name", "data"], "get_tensor": ["name"], "get_name": [],
    "add_meta_scalar": ["name", "data"], "add_meta_string": ["name", "data"],
    "get_meta_scalars": ["name"], "get_meta_strings": ["name"],
    "get_metadata_field_names": [], "get_metadata_field_type": ["name"],
    "get_tensor_type": ["name"], "get_tensor_names": [], "get_tensor_dims": ["name"],
})
CONFIG_OPTIONS = {
    "from_pybind": ["configoptions"], "get_data": [], "set_configoptions": ["configoptions"],
    "create_from_environment": ["db_suffix"], "get_integer_option": ["option_name"],
    "get_string_option": ["option_name"], "is_configured": ["option_name"],
    "override_integer_option": ["option_name", "value"],
    "override_string_option": ["option_name", "value"],
}
LOG_CONTEXT = dict(SROBJECT, from_pybind=["logcontext"], get_context=[],
                   set_context=["logcontext"])
CONVERTER = {
    "add_metadata_for_xarray": ["dataset", "data_names", "dim_names", "coord_names",
                                "attr_names"],
    "transform_to_xarray": ["dataset"],
}
TOP_LEVEL = ["Client", "ConfigOptions", "Dataset", "SRObject", "LogContext", "DatasetConverter",
             "log_data", "log_warning", "log_error", "LLQuiet", "LLInfo", "LLDebug",
             "LLDeveloper"]
ERRORS = ["RedisConnectionError", "RedisReplyError", "RedisRuntimeError", "RedisBadAllocError",
          "RedisDatabaseError", "RedisInternalError", "RedisTimeoutError", "RedisKeyError"]


def parameter_names(fn):
    """Parameter names (without self/cls) of a Python function or a pybind11 method."""
    try:
        params = list(inspect.signature(fn).parameters)
        return [p for p in params if p not in ("self", "cls", "args", "kwargs")]
    except (TypeError, ValueError):
        first = (fn.__doc__ or "").splitlines()[0]  # pybind11: "name(self: T, a: int, ...) -> R"
        inside = first[first.index("(") + 1:first.rindex(")")]
        names = [p.split(":")[0].strip() for p in re.split(r",\s*(?![^\[]*\])", inside) if p]
        return [n for n in names if n not in ("self", "")]


@pytest.mark.parametrize("cls, methods", [
    (insitu.Client, CLIENT), (insitu.Dataset, DATASET), (insitu.ConfigOptions, CONFIG_OPTIONS),
    (insitu.LogContext, LOG_CONTEXT), (insitu.SRObject, SROBJECT),
    (insitu.DatasetConverter, CONVERTER)])
def test_methods_and_parameters(cls, methods):
    missing = [name for name in methods if not hasattr(cls, name)]
    assert not missing, f"{cls.__name__} lacks {missing}"
    for name, expected in methods.items():
        got = parameter_names(getattr(cls, name))
        assert got[:len(expected)] == expected, f"{cls.__name__}.{name}{tuple(got)}"


def test_module_names():
    for name in TOP_LEVEL + ERRORS:
        assert hasattr(insitu, name), name
        assert name in insitu.__all__, name
    for name in ERRORS:
        assert issubclass(getattr(insitu.error, name), RuntimeError), name
    assert parameter_names(insitu.logger.log_data) == ["context", "level", "data"]
    assert parameter_names(insitu.logger.log_warning) == ["context", "level", "data"]
    assert parameter_names(insitu.logger.log_error) == ["context", "level", "data"]
    # SmartRedis's module paths
    assert insitu.dataset.Dataset is insitu.Dataset
    assert insitu.configoptions.ConfigOptions is insitu.ConfigOptions
    assert insitu.logcontext.LogContext is insitu.LogContext
    assert insitu.srobject.SRObject is insitu.SRObject
    assert insitu.dataset_utils.DatasetConverter is insitu.DatasetConverter


def test_pybind_accessors():
    """SmartRedis's accessors of its wrapped pybind objects are identities here."""
    d = insitu.Dataset("d")
    assert d.get_data() is d and insitu.Dataset.from_pybind(d) is d
    other = insitu.Dataset("other")
    other.add_meta_string("k", "v")
    d.set_data(other)
    assert d.get_name() == "other" and d.get_meta_strings("k") == ["v"]
    cfg = insitu.ConfigOptions.create_empty()
    assert cfg.get_data() is cfg and insitu.ConfigOptions.from_pybind(cfg) is cfg
    src = insitu.ConfigOptions.create_empty()
    src.override_string_option("SSDB", "127.0.0.1:7")
    cfg.set_configoptions(src)
    assert cfg.get_string_option("SSDB") == "127.0.0.1:7"
    with pytest.raises(TypeError):
        insitu.Dataset.from_pybind("not a dataset")
