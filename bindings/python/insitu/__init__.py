"""insitu: SmartSim-compatible in-situ data exchange (SmartRedis's Python client API)."""

from .error import *  # noqa: F401,F403  (exception classes first: _insitu maps onto them)
from .error import __all__ as _error_names
from . import _insitu
from .client import Client, ConfigOptions, Dataset
from .status import SmartSimStatus

__version__ = _insitu.__version__
__all__ = ["Client", "ConfigOptions", "Dataset", "SmartSimStatus"] + list(_error_names)

# The driver API (SmartSim's Experiment), when the launch library was built.
if hasattr(_insitu, "Experiment"):
    from ._insitu import Ensemble, Entity, Experiment, Model, Orchestrator, RunSettings  # noqa: F401

    __all__ += ["Experiment", "Model", "Ensemble", "Orchestrator", "RunSettings", "Entity"]
