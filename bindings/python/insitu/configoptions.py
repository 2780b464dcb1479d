"""SmartRedis's module path smartredis.configoptions: the ConfigOptions class."""

from .client import ConfigOptions

__all__ = ["ConfigOptions"]
