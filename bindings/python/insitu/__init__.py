"""insitu: SmartSim-compatible in-situ data exchange (SmartRedis's Python client API)."""

from .error import *  # noqa: F401,F403  (exception classes first: _insitu maps onto them)
from .error import __all__ as _error_names
from . import _insitu
from .client import Client, ConfigOptions, Dataset

__version__ = _insitu.__version__
__all__ = ["Client", "ConfigOptions", "Dataset"] + list(_error_names)
