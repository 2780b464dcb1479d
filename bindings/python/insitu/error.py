"""Exceptions raised by the insitu client, named like SmartRedis's.

Every class derives from RedisReplyError (a RuntimeError) and has the error ``code`` of the C
and Fortran APIs. Parameter and type errors are also ValueError and TypeError, as SmartRedis
raises those for bad arguments and dtypes.
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


__all__ = [name for name in dir() if name.startswith("Redis")]
