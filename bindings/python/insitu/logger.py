"""SmartRedis's module-level logging functions: log_data(context, level, data) and friends.

Levels: LLQuiet, LLInfo, LLDebug, LLDeveloper (SRLoggingLevel). A line is written when its level
is at most SR_LOG_LEVEL (default INFO; QUIET writes nothing) to SR_LOG_FILE (stdout when unset),
both read once per process at the first line (as SmartRedis's process-wide logger does).
"""

from . import _insitu

SRLoggingLevel = _insitu.SRLoggingLevel
LLQuiet = _insitu.LLQuiet
LLInfo = _insitu.LLInfo
LLDebug = _insitu.LLDebug
LLDeveloper = _insitu.LLDeveloper


def log_data(context, level, data):
    """Logs `data` tagged with `context` when `level` is at most SR_LOG_LEVEL."""
    _insitu.log_data(context, level, data)


def log_warning(context, level, data):
    """Logs "WARNING: <data>" tagged with `context` when `level` is at most SR_LOG_LEVEL."""
    _insitu.log_warning(context, level, data)


def log_error(context, level, data):
    """Logs "ERROR: <data>" tagged with `context` when `level` is at most SR_LOG_LEVEL."""
    _insitu.log_error(context, level, data)


__all__ = ["SRLoggingLevel", "LLQuiet", "LLInfo", "LLDebug", "LLDeveloper", "log_data",
           "log_warning", "log_error"]
