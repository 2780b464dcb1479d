"""LogContext: an SRObject that only logs, for program code outside a Client or Dataset."""

from .srobject import SRObject


class LogContext(SRObject):
    """LogContext(context): log_data / log_warning / log_error with `context` in each line."""

    @staticmethod
    def from_pybind(logcontext):
        """SmartRedis wraps a pybind object; here a LogContext is its own (returned as is)."""
        if not isinstance(logcontext, LogContext):
            raise TypeError("from_pybind: expected a LogContext")
        return logcontext

    def get_context(self):
        return self

    def set_context(self, logcontext):
        self.set_srobject(logcontext)


__all__ = ["LogContext"]
