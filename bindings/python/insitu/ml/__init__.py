"""insitu.ml: SmartSim 0.8's smartsim.ml online-training helpers over aggregation lists.

A producer (e.g. a simulation) stores each batch as a dataset and appends it to a list with
TrainingDataUploader; a trainer reads the list with DataDownloader, or with insitu.ml.torch's
PyTorch datasets, while the producer is still appending.
"""

from .data import DataDownloader, DataInfo, TrainingDataUploader, form_name

__all__ = ["DataDownloader", "DataInfo", "TrainingDataUploader", "form_name"]
