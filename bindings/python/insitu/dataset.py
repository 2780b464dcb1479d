"""SmartRedis's module path smartredis.dataset: the Dataset class."""

from .client import Dataset

__all__ = ["Dataset"]
