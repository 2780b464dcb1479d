"""insitu: SmartSim-compatible in-situ data exchange (SmartRedis's Python client API)."""

from .error import *  # noqa: F401,F403  (exception classes first: _insitu maps onto them)
from .error import __all__ as _error_names
from . import _insitu
from .client import Client, ConfigOptions, Dataset
from .pipeline import Pipeline, PipelineResult
from .status import SmartSimStatus

__version__ = _insitu.__version__
__all__ = ["Client", "ConfigOptions", "Dataset", "Pipeline", "PipelineResult",
           "SmartSimStatus"] + list(_error_names)

# The rest of SmartRedis 0.6.1's top-level names: logging and the xarray converter.
from .srobject import SRObject  # noqa: E402
from .logcontext import LogContext  # noqa: E402
from .logger import LLDebug, LLDeveloper, LLInfo, LLQuiet, SRLoggingLevel  # noqa: E402
from .logger import log_data, log_error, log_warning  # noqa: E402
from .dataset_utils import DatasetConverter  # noqa: E402

__all__ += ["SRObject", "LogContext", "DatasetConverter", "log_data", "log_warning", "log_error",
            "LLQuiet", "LLInfo", "LLDebug", "LLDeveloper", "SRLoggingLevel"]

# The driver API (SmartSim's Experiment, settings, entities, Orchestrator), when the launch
# library was built; insitu.log is SmartSim's smartsim.log.
from . import log  # noqa: F401,E402

if hasattr(_insitu, "Experiment"):
    from ._insitu import Entity  # noqa: F401,E402
    from .experiment import (  # noqa: F401,E402
        BatchSettings,
        DBModel,
        DBScript,
        Ensemble,
        Experiment,
        Model,
        Orchestrator,
        RunSettings,
    )

    __all__ += ["Experiment", "Model", "Ensemble", "Orchestrator", "RunSettings", "BatchSettings",
                "Entity", "DBModel", "DBScript"]
