"""insitu.Client: the SmartRedis Python Client API over the C++ client."""

import inspect
import os

import numpy as np

from . import _insitu
from .error import (ConnectionParameterError, ParameterTypeError, RedisConnectionError,
                    RedisDatabaseError, RedisParameterError, RedisTimeoutError)
from .pipeline import Pipeline
from .srobject import SRObject

ConfigOptions = _insitu.ConfigOptions
Dataset = _insitu.Dataset

_ADDRESS_FORM = ("cluster", "address", "logger_name")
_STANDARD_FORM = ("config_options", "config", "logger_name")


def _constructor_arguments(args, kwargs):
    """(cluster, address, config, logger_name) from SmartRedis's two constructor forms."""
    if args and isinstance(args[0], bool) or (
            not args and ("address" in kwargs or "cluster" in kwargs)):
        names = _ADDRESS_FORM
    elif not args or args[0] is None or isinstance(args[0], ConfigOptions):
        names = ("config_options", "logger_name")
        if "address" in kwargs or "cluster" in kwargs:
            raise ValueError("Client: give either config options or address/cluster, not both")
    else:
        raise TypeError(f"Client: invalid type for argument 0: {type(args[0]).__name__} "
                        "(expected ConfigOptions, None or a bool 'cluster')")
    if len(args) > len(names):
        raise TypeError(f"Client: at most {len(names)} positional arguments, got {len(args)}")
    values = dict(zip(names, args))
    for key, value in kwargs.items():
        allowed = _ADDRESS_FORM if names is _ADDRESS_FORM else _STANDARD_FORM
        if key not in allowed:
            raise TypeError(f"Client: unexpected keyword argument '{key}'")
        if key == "config":
            key = "config_options"
        if key in values:
            raise TypeError(f"Client: got multiple values for argument '{key}'")
        values[key] = value
    config = values.get("config_options")
    if config is not None and not isinstance(config, ConfigOptions):
        raise TypeError("Client: config_options must be a ConfigOptions or None")
    cluster = values.get("cluster")
    if cluster is not None and not isinstance(cluster, bool):
        raise TypeError("Client: cluster must be a bool")
    address = values.get("address")
    if address is not None and not isinstance(address, str):
        raise TypeError("Client: address must be a str")
    logger_name = values.get("logger_name", "Default")
    if not isinstance(logger_name, str):
        raise TypeError("Client: logger_name must be a str")
    return cluster, address, config, logger_name


def _names(names):
    """run_model / run_script take a str or a list of str, like SmartRedis."""
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return list(names)


def _are_arrays(inputs):
    """True for a numpy array or a non-empty list / tuple of them (the one-round-trip run_model)."""
    if isinstance(inputs, np.ndarray):
        return True
    return (isinstance(inputs, (list, tuple)) and len(inputs) > 0
            and all(isinstance(i, np.ndarray) for i in inputs))


def _addresses(addresses):
    """Admin calls take a list of "host:port" addresses, like SmartRedis (a single str is fine)."""
    if isinstance(addresses, str):
        return [addresses]
    if not isinstance(addresses, (list, tuple)):
        raise TypeError("addresses must be a list of 'host:port' strings")
    return list(addresses)


def _backend(value):
    """SmartRedis upper-cases the backend and accepts TF, TFLITE, TORCH and ONNX."""
    if not isinstance(value, str):
        raise TypeError("backend must be a str")
    if value.upper() not in ("TF", "TFLITE", "TORCH", "ONNX"):
        raise ParameterTypeError(f"Backend type {value} unsupported (TF, TFLITE, TORCH, ONNX)")
    return value.upper()


def _device(value):
    """SmartRedis upper-cases the device, which must start with CPU or GPU."""
    if not isinstance(value, str):
        raise TypeError("device must be a str")
    if not value.upper().startswith(("CPU", "GPU")):
        raise ParameterTypeError(f"Device argument must start with either CPU or GPU, got "
                                 f"'{value}'")
    return value.upper()


def _require(checks):
    """SmartRedis type-checks every argument before anything else: TypeError names the first
    argument of the wrong type. `checks` is [(value, name, types)]."""
    for value, what, types in checks:
        if not isinstance(value, types) or (types is int and isinstance(value, bool)):
            raise TypeError(f"Argument provided for {what}, {type(value).__name__}, is not of "
                            f"the expected type")


def _existing_file(path):
    """An absolute path to an existing file; FileNotFoundError otherwise (as SmartRedis)."""
    path = os.path.abspath(os.fspath(path))
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    return path


class Client(SRObject, _insitu.Client):
    """A client of an insitu (or RedisAI) database; SmartRedis 0.6.1's constructor forms:

    Client(config_options=None, logger_name="Default")
    Client(cluster, address=None, logger_name="Default")   # for drivers: bool first

    With no address and no options, the configuration comes from the environment (SSDB,
    SR_DB_TYPE, ...). insitu also takes ``Client(address=..., cluster=None)`` (cluster then from
    SR_DB_TYPE) and ``config=`` for ``config_options=``. As in SmartRedis, an ``address`` is also
    written to os.environ["SSDB"], where later clients and launched programs find it; an address
    with credentials (``redis://user:password@host:port``) puts the password there too, so prefer
    SR_DB_PASSWORD_FILE (or ConfigOptions) for the password.
    """

    def __init__(self, *args, **kwargs):
        cluster, address, config, logger_name = _constructor_arguments(args, kwargs)
        if config is not None and (address is not None or cluster is not None):
            raise ValueError("Client: give either config options or address/cluster, not both")
        if address is not None or cluster is not None:
            config = ConfigOptions.create_from_environment("")
            if address:
                # As SmartRedis: the address also becomes the process's SSDB, for later clients.
                os.environ["SSDB"] = address
                config.override_string_option("SSDB", address)
            elif address is not None:
                raise ValueError("Client: address must be a non-empty 'host:port' string")
            if cluster is not None:
                config.override_string_option("SR_DB_TYPE",
                                              "Clustered" if cluster else "Standalone")
        self._name = logger_name
        try:
            _insitu.Client.__init__(self, config, logger_name)
        except RedisParameterError as e:
            # A configuration problem (SSDB unset or malformed): SmartRedis raises
            # RedisConnectionError; this is also still a RedisParameterError (a ValueError).
            raise ConnectionParameterError(str(e)) from e
        except (RedisDatabaseError, RedisTimeoutError) as e:
            raise RedisConnectionError(str(e)) from e

    # The C++ client's own logging (its logger, configured from its ConfigOptions), not
    # SRObject's process-wide one.
    log_data = _insitu.Client.log_data
    log_warning = _insitu.Client.log_warning
    log_error = _insitu.Client.log_error

    def __repr__(self):
        # SmartRedis's repr is the default object one; str() describes the connection.
        return f"<insitu.Client {self._name!r} at {id(self):#x}>"

    # ---- queued tensor calls (insitu extension) ---------------------------------------------
    def pipeline(self, window=64, raise_on_error=True):
        """A Pipeline of this client: put_tensor / unpack_tensor / get_tensor calls queued and
        sent together (``with client.pipeline() as p: ...``; see insitu.pipeline). It flushes
        once `window` items are queued (0: only on flush() and on leaving the ``with`` block);
        leaving the block raises the first failed item's error unless raise_on_error is False."""
        return Pipeline(self, window, raise_on_error)

    # ---- models and scripts (SmartRedis's Python signatures) ---------------------------------
    def set_model(self, name, model, backend, device="CPU", batch_size=0, min_batch_size=0,
                  min_batch_timeout=0, tag="", inputs=None, outputs=None):
        """Stores a serialized model (bytes) for `backend` (TF, TFLITE, TORCH, ONNX)."""
        self._set_model(name, bytes(model), _backend(backend), _device(device),
                        batch_size, min_batch_size, min_batch_timeout, tag, _names(inputs),
                        _names(outputs))

    def set_model_from_file(self, name, model_file, backend, device="CPU", batch_size=0,
                            min_batch_size=0, min_batch_timeout=0, tag="", inputs=None,
                            outputs=None):
        _require([(name, "name", str), (model_file, "model_file", (str, os.PathLike)),
                  (backend, "backend", str), (device, "device", str)])
        device, backend = _device(device), _backend(backend)
        self._set_model_from_file(name, _existing_file(model_file), backend, device, batch_size,
                                  min_batch_size, min_batch_timeout, tag, _names(inputs),
                                  _names(outputs))

    def set_model_multigpu(self, name, model, backend, first_gpu, num_gpus, batch_size=0,
                           min_batch_size=0, min_batch_timeout=0, tag="", inputs=None,
                           outputs=None):
        self._set_model_multigpu(name, bytes(model), _backend(backend), first_gpu,
                                 num_gpus, batch_size, min_batch_size, min_batch_timeout, tag,
                                 _names(inputs), _names(outputs))

    def set_model_from_file_multigpu(self, name, model_file, backend, first_gpu, num_gpus,
                                     batch_size=0, min_batch_size=0, min_batch_timeout=0, tag="",
                                     inputs=None, outputs=None):
        """set_model_multigpu with the model read from a file."""
        _require([(name, "name", str), (model_file, "model_file", (str, os.PathLike)),
                  (backend, "backend", str), (first_gpu, "first_gpu", int),
                  (num_gpus, "num_gpus", int)])
        backend = _backend(backend)
        self._set_model_from_file_multigpu(name, _existing_file(model_file), backend, first_gpu,
                                           num_gpus, batch_size, min_batch_size,
                                           min_batch_timeout, tag, _names(inputs),
                                           _names(outputs))

    def run_model(self, name, inputs=None, outputs=None):
        """Runs model `name`. With key names (a str or a list of str), SmartRedis's call: the
        inputs are read from and the outputs written to the database. With arrays as `inputs`
        (a numpy array or a list of them), the whole inference takes one round trip and writes
        no key: `outputs` is then the number of outputs (default 1), returned as new arrays, or
        a list of writeable contiguous arrays filled in place (and returned)."""
        if _are_arrays(inputs):
            if isinstance(inputs, np.ndarray):
                inputs = [inputs]
            if outputs is None:
                outputs = 1
            elif isinstance(outputs, np.ndarray):
                outputs = [outputs]
            elif not isinstance(outputs, int):
                outputs = list(outputs)
            return self._run_model_arrays(name, list(inputs), outputs)
        self._run_model(name, _names(inputs), _names(outputs))
        return None

    def run_model_multigpu(self, name, offset, first_gpu, num_gpus, inputs=None, outputs=None):
        self._run_model_multigpu(name, _names(inputs), _names(outputs), offset, first_gpu,
                                 num_gpus)

    def set_script(self, name, script, device="CPU"):
        """Stores TorchScript source."""
        self._set_script(name, _device(device), script)

    def set_script_from_file(self, name, file, device="CPU"):
        _require([(name, "name", str), (file, "file", (str, os.PathLike)),
                  (device, "device", str)])
        device = _device(device)
        self._set_script_from_file(name, device, _existing_file(file))

    def set_script_multigpu(self, name, script, first_gpu, num_gpus):
        self._set_script_multigpu(name, script, first_gpu, num_gpus)

    def set_script_from_file_multigpu(self, name, file, first_gpu, num_gpus):
        """set_script_multigpu with the script read from a file."""
        _require([(name, "name", str), (file, "file", (str, os.PathLike)),
                  (first_gpu, "first_gpu", int), (num_gpus, "num_gpus", int)])
        self._set_script_from_file_multigpu(name, _existing_file(file), first_gpu, num_gpus)

    def set_function(self, name, function, device="CPU"):
        """Stores a Python function's source as a TorchScript script (entry: its name)."""
        if not callable(function):
            raise TypeError("set_function: function must be callable")
        self._set_script(name, _device(device), inspect.getsource(function))

    def set_function_multigpu(self, name, function, first_gpu, num_gpus):
        if not callable(function):
            raise TypeError("set_function_multigpu: function must be callable")
        self._set_script_multigpu(name, inspect.getsource(function), first_gpu, num_gpus)

    def run_script(self, name, fn_name, inputs, outputs):
        self._run_script(name, fn_name, _names(inputs), _names(outputs))

    def run_script_multigpu(self, name, fn_name, inputs, outputs, offset, first_gpu, num_gpus):
        self._run_script_multigpu(name, fn_name, _names(inputs), _names(outputs), offset,
                                  first_gpu, num_gpus)

    # ---- administration: lists of addresses in, lists out (SmartRedis's Python API) ----------
    def get_db_node_info(self, addresses):
        """INFO EVERYTHING of each node, as {section: {field: value}}."""
        return [self._get_db_node_info(a) for a in _addresses(addresses)]

    def get_db_cluster_info(self, addresses):
        """CLUSTER INFO of each node (cluster databases only)."""
        return [self._get_db_cluster_info(a) for a in _addresses(addresses)]

    def get_ai_info(self, address, key, reset_stat=False):
        """AI.INFO of model or script `key` on each node, as a list of dicts (with reset_stat the
        statistics are reset and each dict is empty)."""
        if not isinstance(reset_stat, bool):
            raise TypeError("get_ai_info: reset_stat must be a bool")
        return [self._get_ai_info(a, key, reset_stat) for a in _addresses(address)]

    def flush_db(self, addresses):
        for a in _addresses(addresses):
            self._flush_db(a)

    def config_get(self, expression, address):
        """CONFIG GET on one node, as a dict (a one-element list of addresses is accepted)."""
        if isinstance(address, (list, tuple)):
            return [self._config_get(expression, a) for a in address]
        return self._config_get(expression, address)

    def config_set(self, config_param, value, address):
        for a in _addresses(address):
            self._config_set(config_param, str(value), a)

    def save(self, addresses):
        """Synchronous SAVE on each node."""
        for a in _addresses(addresses):
            self._save(a)


__all__ = ["Client", "ConfigOptions", "Dataset", "SRObject"]
