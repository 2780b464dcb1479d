"""SmartSim's ``smartsim.settings`` names. insitu has one RunSettings class for every run command
(its setters write the argument the run command spells: srun --ntasks, mpirun --np, ...), so the
SmartSim subclasses are that class under their names; the same holds for the batch settings."""

from .experiment import BatchSettings, RunSettings

# Each name a SmartSim driver may import; all are insitu's RunSettings / BatchSettings.
SrunSettings = MpirunSettings = MpiexecSettings = OrterunSettings = RunSettings
AprunSettings = JsrunSettings = PalsMpiexecSettings = RunSettings
SbatchSettings = QsubBatchSettings = BsubBatchSettings = BatchSettings

__all__ = [
    "RunSettings", "BatchSettings", "SrunSettings", "MpirunSettings", "MpiexecSettings",
    "OrterunSettings", "AprunSettings", "JsrunSettings", "PalsMpiexecSettings", "SbatchSettings",
    "QsubBatchSettings", "BsubBatchSettings",
]
