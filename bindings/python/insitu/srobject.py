"""SRObject: SmartRedis's base of Client, Dataset and LogContext, the objects that log.

A line is written to SR_LOG_FILE (stdout when unset) when its level is at most SR_LOG_LEVEL
(default INFO; QUIET writes nothing), through insitu's C++ logging: the same format as the
client's own lines, ``<UTC time> <context>: <data>``. log_warning prefixes "WARNING: " and
log_error "ERROR: ", as SmartRedis does. The free functions (and so SRObject and LogContext)
read SR_LOG_FILE / SR_LOG_LEVEL once per process, at their first line; a Client logs where its
ConfigOptions say, read when it is built.
"""

from . import _insitu


class _SRObjectType(type(_insitu.Client)):
    """Lets isinstance(dataset, SRObject) hold: Dataset is the C++ class itself (datasets come
    back from the database as such), so it cannot derive from this Python class."""

    def __instancecheck__(cls, obj):
        if cls is SRObject and isinstance(obj, _insitu.Dataset):
            return True
        return super().__instancecheck__(obj)


class SRObject(metaclass=_SRObjectType):
    """An object with a logging context (its name in each log line)."""

    def __init__(self, context):
        if not isinstance(context, str):
            raise TypeError("SRObject: context must be a str")
        self._name = context

    def get_srobject(self):
        """SmartRedis returns its wrapped pybind object; here the object is its own."""
        return self

    def set_srobject(self, srobject):
        """Adopts the logging context of another SRObject."""
        if not isinstance(srobject, SRObject):
            raise TypeError("set_srobject: srobject must be an SRObject")
        if isinstance(srobject, _insitu.Dataset):
            self._name = srobject.get_name()
        else:
            self._name = srobject._name

    def log_data(self, level, data):
        """Logs `data` when `level` is at most SR_LOG_LEVEL."""
        _insitu.log_data(self._name, level, data)

    def log_warning(self, level, data):
        """Logs "WARNING: <data>" when `level` is at most SR_LOG_LEVEL."""
        _insitu.log_warning(self._name, level, data)

    def log_error(self, level, data):
        """Logs "ERROR: <data>" when `level` is at most SR_LOG_LEVEL."""
        _insitu.log_error(self._name, level, data)


__all__ = ["SRObject"]
