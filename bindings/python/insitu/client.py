"""insitu.Client: the SmartRedis Python Client API over the C++ client."""

import inspect

from . import _insitu
from .error import RedisConnectionError, RedisDatabaseError, RedisTimeoutError

ConfigOptions = _insitu.ConfigOptions
Dataset = _insitu.Dataset


def _names(names):
    """run_model / run_script take a str or a list of str, like SmartRedis."""
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return list(names)


def _addresses(addresses):
    """Admin calls take a list of "host:port" addresses, like SmartRedis (a single str is fine)."""
    if isinstance(addresses, str):
        return [addresses]
    if not isinstance(addresses, (list, tuple)):
        raise TypeError("addresses must be a list of 'host:port' strings")
    return list(addresses)


class Client(_insitu.Client):
    """A client of an insitu (or RedisAI) database.

    Client(address=None, cluster=None, config=None, logger_name="default")
    Client(config_options, logger_name="default")
    Client(cluster, address=None, logger_name="default")     # SmartRedis's deprecated form

    With no address and no options, the configuration comes from the environment (SSDB,
    SR_DB_TYPE, ...). ``address`` overrides SSDB and ``cluster`` overrides SR_DB_TYPE.
    """

    def __init__(self, *args, address=None, cluster=None, config=None, config_options=None,
                 logger_name="default"):
        args = list(args)
        if args and isinstance(args[0], bool):            # Client(cluster, address, logger_name)
            cluster = args.pop(0)
            if args:
                address = args.pop(0)
        elif args and isinstance(args[0], ConfigOptions):  # Client(config_options, logger_name)
            config = args.pop(0)
        if args:
            logger_name = args.pop(0)
        if args:
            raise TypeError("Client: too many positional arguments")
        config = config if config is not None else config_options
        if config is not None and (address is not None or cluster is not None):
            raise ValueError("Client: give either config options or address/cluster, not both")
        if address is not None or cluster is not None:
            config = ConfigOptions.create_from_environment("")
            if address is not None:
                config.override_string_option("SSDB", address)
            if cluster is not None:
                config.override_string_option("SR_DB_TYPE", "Clustered" if cluster else "Standalone")
        try:
            super().__init__(config, logger_name)
        except (RedisDatabaseError, RedisTimeoutError) as e:
            raise RedisConnectionError(str(e)) from e

    def __repr__(self):
        return self.to_string()

    # ---- models and scripts (SmartRedis's Python signatures) ---------------------------------
    def set_model(self, name, model, backend, device="CPU", batch_size=0, min_batch_size=0,
                  min_batch_timeout=0, tag="", inputs=None, outputs=None):
        """Stores a serialized model (bytes) for `backend` (TF, TFLITE, TORCH, ONNX)."""
        self._set_model(name, bytes(model), backend, device, batch_size, min_batch_size,
                        min_batch_timeout, tag, _names(inputs), _names(outputs))

    def set_model_from_file(self, name, model_file, backend, device="CPU", batch_size=0,
                            min_batch_size=0, min_batch_timeout=0, tag="", inputs=None,
                            outputs=None):
        self._set_model_from_file(name, str(model_file), backend, device, batch_size,
                                  min_batch_size, min_batch_timeout, tag, _names(inputs),
                                  _names(outputs))

    def set_model_multigpu(self, name, model, backend, first_gpu, num_gpus, batch_size=0,
                           min_batch_size=0, min_batch_timeout=0, tag="", inputs=None,
                           outputs=None):
        self._set_model_multigpu(name, bytes(model), backend, first_gpu, num_gpus, batch_size,
                                 min_batch_size, min_batch_timeout, tag, _names(inputs),
                                 _names(outputs))

    def run_model(self, name, inputs=None, outputs=None):
        self._run_model(name, _names(inputs), _names(outputs))

    def run_model_multigpu(self, name, offset, first_gpu, num_gpus, inputs=None, outputs=None):
        self._run_model_multigpu(name, _names(inputs), _names(outputs), offset, first_gpu,
                                 num_gpus)

    def set_script(self, name, script, device="CPU"):
        """Stores TorchScript source."""
        self._set_script(name, device, script)

    def set_script_from_file(self, name, file, device="CPU"):
        self._set_script_from_file(name, device, str(file))

    def set_script_multigpu(self, name, script, first_gpu, num_gpus):
        self._set_script_multigpu(name, script, first_gpu, num_gpus)

    def set_function(self, name, function, device="CPU"):
        """Stores a Python function's source as a TorchScript script (entry: its name)."""
        if not callable(function):
            raise TypeError("set_function: function must be callable")
        self._set_script(name, device, inspect.getsource(function))

    def set_function_multigpu(self, name, function, first_gpu, num_gpus):
        if not callable(function):
            raise TypeError("set_function_multigpu: function must be callable")
        self._set_script_multigpu(name, inspect.getsource(function), first_gpu, num_gpus)

    def run_script(self, name, fn_name, inputs=None, outputs=None):
        self._run_script(name, fn_name, _names(inputs), _names(outputs))

    def run_script_multigpu(self, name, fn_name, offset, first_gpu, num_gpus, inputs=None,
                            outputs=None):
        self._run_script_multigpu(name, fn_name, _names(inputs), _names(outputs), offset,
                                  first_gpu, num_gpus)

    # ---- administration: lists of addresses in, lists out (SmartRedis's Python API) ----------
    def get_db_node_info(self, addresses):
        """INFO EVERYTHING of each node, as {section: {field: value}}."""
        return [self._get_db_node_info(a) for a in _addresses(addresses)]

    def get_db_cluster_info(self, addresses):
        """CLUSTER INFO of each node (cluster databases only)."""
        return [self._get_db_cluster_info(a) for a in _addresses(addresses)]

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


__all__ = ["Client", "ConfigOptions", "Dataset"]
