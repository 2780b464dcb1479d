"""insitu.ml.torch: SmartSim 0.8's smartsim.ml.torch (PyTorch datasets over a growing list)."""

from .data import DataLoader, DynamicDataGenerator, StaticDataGenerator

__all__ = ["DataLoader", "DynamicDataGenerator", "StaticDataGenerator"]
