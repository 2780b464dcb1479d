"""insitu.log: the driver's logging, with the public names of SmartSim's ``smartsim.log``.

A driver written for SmartSim keeps its logging lines with only the import changed::

    from insitu.log import get_logger, log_to_file
    logger = get_logger(__name__)
    log_to_file("driver.log", log_level="debug")
    logger.info("starting")

As in SmartSim, ``get_logger`` hands out one shared logger (named ``insitu``; SmartSim's is
``SmartSim``) unless the log level is ``developer``, when each name gets its own. The level comes
from ``INSITU_LOG_LEVEL`` (or SmartSim's ``SMARTSIM_LOG_LEVEL``): ``quiet`` (warnings and errors),
``info`` (the default), ``debug`` or ``developer``. Records go to stdout in SmartSim's format
(``HH:MM:SS host name[pid] LEVEL message``; SmartSim colours it through coloredlogs, which is not
needed here). While an Experiment method runs, records also go to
``<exp_path>/.smartsim/logs/smartsim.out`` (and warnings and errors to ``smartsim.err``), like
SmartSim's experiment logs.
"""

import functools
import logging
import os
import pathlib
import socket
import sys
import threading
import typing as t
from contextvars import ContextVar, copy_context

__all__ = [
    "DEFAULT_DATE_FORMAT",
    "DEFAULT_LOG_FORMAT",
    "EXPERIMENT_LOG_FORMAT",
    "ContextAwareLogger",
    "ContextInjectingLogFilter",
    "ContextThread",
    "HostnameFilter",
    "LowPassFilter",
    "ctx_exp_path",
    "get_exp_log_paths",
    "get_logger",
    "log_to_exp_file",
    "log_to_file",
    "method_contextualizer",
]

DEFAULT_DATE_FORMAT: t.Final[str] = "%H:%M:%S"
DEFAULT_LOG_FORMAT: t.Final[str] = (
    "%(asctime)s %(hostname)s %(name)s[%(process)d] %(levelname)s %(message)s"
)
EXPERIMENT_LOG_FORMAT = DEFAULT_LOG_FORMAT.replace("s[%", "s {%(exp_path)s} [%")

# The shared logger's name (SmartSim's is "SmartSim").
LOGGER_NAME = "insitu"
# Experiment logs live here under the experiment directory (SmartSim's telemetry_subdir).
_EXP_LOG_SUBDIR = ".smartsim"

# The experiment whose method is running (set by method_contextualizer around Experiment calls).
ctx_exp_path: ContextVar[str] = ContextVar("exp_path", default="")

_T = t.TypeVar("_T")
_RT = t.TypeVar("_RT")
_ContextT = t.TypeVar("_ContextT")


def _user_log_level() -> str:
    return (os.environ.get("INSITU_LOG_LEVEL") or os.environ.get("SMARTSIM_LOG_LEVEL") or "info").lower()


def _translate_log_level(user_log_level: str = "info") -> str:
    """The Python logging level for a SmartSim log level name (quiet -> warning, developer ->
    debug; unknown names -> info)."""
    user_log_level = user_log_level.lower()
    if user_log_level in ("info", "debug", "warning"):
        return user_log_level
    if user_log_level == "quiet":
        return "warning"
    if user_log_level == "developer":
        return "debug"
    return "info"


def get_exp_log_paths() -> t.Tuple[t.Optional[pathlib.Path], t.Optional[pathlib.Path]]:
    """(output, error) log files of the experiment whose method is running, or (None, None)."""
    path = ctx_exp_path.get()
    if not path:
        return None, None
    base = pathlib.Path(path) / _EXP_LOG_SUBDIR / "logs"
    return base / "smartsim.out", base / "smartsim.err"


class ContextThread(threading.Thread):
    """A thread that runs in a copy of its creator's context, so that records it logs still
    name the creator's experiment."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._ctx = copy_context()

    def run(self) -> None:
        return self._ctx.run(super().run)


class ContextInjectingLogFilter(logging.Filter):
    """Adds ``exp_path`` (the running experiment's directory, or "") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exp_path = ctx_exp_path.get()
        return True


class HostnameFilter(logging.Filter):
    """Adds ``hostname`` to every record (used by the default format)."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._hostname = ""

    @property
    def hostname(self) -> str:
        if not self._hostname:
            self._hostname = socket.gethostname()
        return self._hostname

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "hostname"):
            record.hostname = self.hostname
        return True


class LowPassFilter(logging.Filter):
    """Passes records at or below ``maximum_level`` (a level name such as "INFO")."""

    def __init__(self, maximum_level: str = "INFO"):
        super().__init__()
        self.max = maximum_level

    def filter(self, record: logging.LogRecord) -> bool:
        level = logging.getLevelName(self.max.upper()) if isinstance(self.max, str) else self.max
        if not isinstance(level, int):
            level = logging.INFO
        return record.levelno <= level


class ContextAwareLogger(logging.Logger):
    """A logger that, while an experiment method runs, also appends each record to that
    experiment's smartsim.out (and, from WARNING up, smartsim.err)."""

    def __init__(self, name: str, level: t.Union[int, str] = 0) -> None:
        super().__init__(name, level)
        self.addFilter(ContextInjectingLogFilter(name="exp-ctx-log-filter"))
        self.addFilter(HostnameFilter())

    def _log(self, level, msg, args, exc_info=None, extra=None, stack_info=False, stacklevel=1):  # noqa: D401
        file_out, file_err = get_exp_log_paths()
        if not (file_out and file_err):
            super()._log(level, msg, args, exc_info, extra, stack_info, stacklevel)
            return
        # smartsim.out: the logger's level up to INFO; smartsim.err: WARNING and up.
        lvl = logging.getLevelName(self.getEffectiveLevel())
        h_out = log_to_exp_file(str(file_out), self, lvl, EXPERIMENT_LOG_FORMAT, LowPassFilter("INFO"))
        h_err = log_to_exp_file(str(file_err), self, "WARNING", EXPERIMENT_LOG_FORMAT)
        try:
            super()._log(level, msg, args, exc_info, extra, stack_info, stacklevel)
        finally:
            for h in (h_out, h_err):
                self.removeHandler(h)
                h.close()


class _StdoutHandler(logging.StreamHandler):
    """The console handler get_logger installs (one per logger). It writes to whatever
    sys.stdout is when a record comes (drivers and test harnesses replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _formatter(fmt: t.Optional[str]) -> logging.Formatter:
    return logging.Formatter(fmt=fmt or DEFAULT_LOG_FORMAT, datefmt=DEFAULT_DATE_FORMAT)


def _ensure_context_aware(name: str) -> logging.Logger:
    existing = logging.Logger.manager.loggerDict.get(name)
    if isinstance(existing, logging.Logger):
        if not any(isinstance(f, ContextInjectingLogFilter) for f in existing.filters):
            existing.addFilter(ContextInjectingLogFilter(name="exp-ctx-log-filter"))
        if not any(isinstance(f, HostnameFilter) for f in existing.filters):
            existing.addFilter(HostnameFilter())
        return existing
    previous = logging.getLoggerClass()
    logging.setLoggerClass(ContextAwareLogger)
    try:
        return logging.getLogger(name)
    finally:
        logging.setLoggerClass(previous)


def get_logger(name: str, log_level: t.Optional[str] = None, fmt: t.Optional[str] = None) -> logging.Logger:
    """A logger writing to stdout in SmartSim's format.

    :param name: the logger's name; ignored (the shared ``insitu`` logger is returned) unless the
        log level is ``developer``, as in SmartSim
    :param log_level: a level for this logger ("debug", "INFO", ...); default: from
        INSITU_LOG_LEVEL / SMARTSIM_LOG_LEVEL
    :param fmt: a logging format string; default DEFAULT_LOG_FORMAT
    """
    user_level = _user_log_level()
    if user_level != "developer":
        name = LOGGER_NAME
    logger = _ensure_context_aware(name)
    level = (log_level or _translate_log_level(user_level)).upper()
    if level == "WARN":
        level = "WARNING"
    # File handlers added by log_to_file may want more than the console shows.
    needed = [logging.getLevelName(level)] + [h.level for h in logger.handlers
                                                if not isinstance(h, _StdoutHandler) and h.level]
    logger.setLevel(min(needed))
    handler = next((h for h in logger.handlers if isinstance(h, _StdoutHandler)), None)
    if handler is None:
        handler = _StdoutHandler()
        logger.addHandler(handler)
    handler.setLevel(level)
    if fmt is not None or handler.formatter is None:
        handler.setFormatter(_formatter(fmt))
    # Records are printed here once, not again by the root logger's handlers.
    logger.propagate = False
    return logger


def log_to_file(filename: str, log_level: str = "debug") -> None:
    """Also write the shared logger's records to ``filename`` (truncated first), from
    ``log_level`` up, in the default format."""
    logger = get_logger(LOGGER_NAME)
    level = log_level.upper()
    if level == "WARN":
        level = "WARNING"
    handler = logging.FileHandler(filename, mode="w+", encoding="utf-8")
    handler.setFormatter(_formatter(None))
    handler.setLevel(level)
    logger.addHandler(handler)
    # The logger must let the file's records through; the console handler keeps its own level.
    if logger.level > handler.level:
        logger.setLevel(handler.level)


def log_to_exp_file(
    filename: str,
    logger: logging.Logger,
    log_level: str = "warn",
    fmt: t.Optional[str] = EXPERIMENT_LOG_FORMAT,
    log_filter: t.Optional[logging.Filter] = None,
) -> logging.Handler:
    """Adds (and returns) a handler appending ``logger``'s records from ``log_level`` up to
    ``filename``, creating its directory."""
    path = pathlib.Path(filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(filename, mode="a+", encoding="utf-8")
    if log_filter:
        handler.addFilter(log_filter)
    handler.setFormatter(logging.Formatter(fmt=fmt, datefmt=DEFAULT_DATE_FORMAT))
    level = log_level.upper()
    handler.setLevel("WARNING" if level == "WARN" else level)
    logger.addHandler(handler)
    return handler


def method_contextualizer(
    ctx_var: ContextVar,
    ctx_map: t.Callable[[t.Any], t.Any],
) -> t.Callable[[t.Callable[..., _RT]], t.Callable[..., _RT]]:
    """A decorator factory for methods: each call runs in a copy of the current context with
    ``ctx_var`` set to ``ctx_map(self)`` (Experiment uses it so that log records name it)."""

    def _contextualize(fn: t.Callable[..., _RT], /) -> t.Callable[..., _RT]:
        @functools.wraps(fn)
        def _contextual(self: t.Any, *args: t.Any, **kwargs: t.Any) -> _RT:
            def _run() -> _RT:
                token = ctx_var.set(ctx_map(self))
                try:
                    return fn(self, *args, **kwargs)
                finally:
                    ctx_var.reset(token)

            return copy_context().run(_run)

        return _contextual

    return _contextualize
