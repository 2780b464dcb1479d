"""Exceptions raised by insitu.

The client's are named like SmartRedis's: every class derives from RedisReplyError (a
RuntimeError) and has the error ``code`` of the C and Fortran APIs. Parameter and type errors are
also ValueError and TypeError, as SmartRedis raises those for bad arguments and dtypes.

The driver's (insitu.Experiment, its settings and entities) are named like SmartSim's
smartsim.error and derive from SmartSimError; ``code`` is the driver's error code (see
docs/compatibility.md, "Driver errors").
"""


class RedisReplyError(RuntimeError):
    """Base class of every insitu client error."""
    code = 0


class RedisBadAllocError(RedisReplyError):
    code = 1


class RedisDatabaseError(RedisReplyError):
    """The database replied with an error, or the connection failed."""
    code = 2


class RedisInternalError(RedisReplyError):
    code = 3


class RedisRuntimeError(RedisReplyError):
    code = 4


class RedisParameterError(RedisReplyError, ValueError):
    """An invalid argument (address, shape, option, ...)."""
    code = 5


class RedisTimeoutError(RedisReplyError):
    code = 6


class RedisKeyError(RedisReplyError):
    """The key (tensor, dataset, option) does not exist."""
    code = 7


class RedisInvalidError(RedisReplyError):
    code = 8


class RedisTypeError(RedisReplyError, TypeError):
    """A dtype or layout that does not match or is not supported."""
    code = 9


class RedisConnectionError(RedisReplyError):
    """A client could not connect to its database (raised by Client())."""
    code = 2


class ParameterTypeError(RedisParameterError, TypeError):
    """A backend or device name that is not one of the accepted ones: SmartRedis raises
    TypeError; this is that and a RedisParameterError (a ValueError) too."""
    code = 5


class ConnectionParameterError(RedisConnectionError, RedisParameterError):
    """Client() with a missing or malformed configuration (e.g. SSDB unset): SmartRedis raises
    RedisConnectionError; this is that and a RedisParameterError (a ValueError) too."""
    code = 5


# ---- the driver's errors (C++: include/insitu/launch_errors.h) ---------------------------------
# SmartSim's SmartSimError is an Exception; insitu's is a RuntimeError and the classes for bad
# settings are also ValueError, so code written against what the driver raised before these
# classes existed (RuntimeError, ValueError) catches them still.


class SmartSimError(RuntimeError):
    """Base class of every insitu driver error."""
    code = 4


class SSConfigError(SmartSimError, ValueError):
    """Bad settings or arguments given to the driver."""
    code = 5


class EntityExistsError(SmartSimError, ValueError):
    """A model, ensemble member, ML model, script or database of that name exists already."""
    code = 12


class SSUnsupportedError(SmartSimError, ValueError):
    """A feature the launcher, run command or batch system does not have."""
    code = 13


class SSInternalError(SmartSimError):
    """SmartSim's base of LauncherError (not a SmartSimError there)."""
    code = 3


class LauncherError(SSInternalError):
    """A process, step, database or launcher that failed."""
    code = 10


class AllocationError(LauncherError):
    """A Slurm allocation that could not be granted or found."""
    code = 11


class LaunchTimeoutError(LauncherError):
    """A start-up, answer or command that did not come within its time limit (not a
    TimeoutError: that is an OSError, whose layout a RuntimeError cannot share)."""
    code = 6


# `from insitu import *` and the package's namespace carry the client's classes only (as
# SmartRedis's does); the driver's are imported from insitu.error, as from smartsim.error.
__all__ = [name for name in dir() if name.startswith("Redis")]
