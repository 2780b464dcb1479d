"""SmartSim's ``smartsim.entity`` names."""

from ._insitu import Entity as SmartSimEntity
from ._insitu import _EnsembleBase as EntitySequence
from .experiment import (DBModel, DBScript, Ensemble, Model, TelemetryConfiguration,
                         create_all_permutations, random_permutations, step_values)

EntityList = EntitySequence

__all__ = ["SmartSimEntity", "EntitySequence", "EntityList", "Ensemble", "Model", "DBModel",
           "DBScript", "TelemetryConfiguration", "create_all_permutations", "random_permutations",
           "step_values"]
