"""SmartSim's ``smartsim.database`` names."""

from .experiment import Orchestrator

__all__ = ["Orchestrator"]
