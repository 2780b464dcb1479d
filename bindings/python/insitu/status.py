"""Job statuses as SmartSim names them (a str enum: a status equals its name, e.g. "Completed")."""

from enum import Enum


class SmartSimStatus(str, Enum):
    STATUS_RUNNING = "Running"
    STATUS_COMPLETED = "Completed"
    STATUS_CANCELLED = "Cancelled"
    STATUS_FAILED = "Failed"
    STATUS_NEW = "New"
    STATUS_PAUSED = "Paused"
    STATUS_NEVER_STARTED = "NeverStarted"
    STATUS_QUEUED = "Queued"

    def __str__(self):
        return self.value


TERMINAL_STATUSES = {SmartSimStatus.STATUS_CANCELLED, SmartSimStatus.STATUS_COMPLETED,
                     SmartSimStatus.STATUS_FAILED}
