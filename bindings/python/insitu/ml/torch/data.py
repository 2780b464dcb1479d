"""PyTorch datasets that read the batches a producer appends to an aggregation list.

DynamicDataGenerator is a torch IterableDataset: each epoch (each iter()) first downloads the
batches appended since the previous epoch, so the training set grows while the producer runs.
StaticDataGenerator downloads once. Both yield whole mini-batches (torch tensors), so a
DataLoader over them takes batch_size=None; insitu.ml.torch.DataLoader sets each worker up as
one replica of the list (worker w of n takes every n-th entry) and downloads in the workers.
"""

import numpy as np
import torch

from ..data import DataDownloader


class _TorchDataGenerationCommon(DataDownloader, torch.utils.data.IterableDataset):
    """A DataDownloader holding torch tensors; samples are fetched by init_samples() (called by
    the DataLoader's workers), never in the constructor."""

    def __init__(self, **kwargs):
        init_samples = kwargs.pop("init_samples", False)
        kwargs["init_samples"] = False
        super().__init__(**kwargs)
        if init_samples:
            self.log("PyTorch Data Generator has to be created with init_samples=False. "
                     "Setting it to False automatically.")

    def _add_samples(self, indices):
        client = self._client if self._client is not None else self._new_client()
        datasets = self._fetch_datasets(client, indices)
        if not datasets:
            return
        parts = [torch.tensor(d.get_tensor(self.sample_name)) for d in datasets]
        if self.samples is not None:
            parts.insert(0, self.samples)
        self.samples = torch.cat(parts)
        if self.need_targets:
            parts = [torch.tensor(d.get_tensor(self.target_name)) for d in datasets]
            if self.targets is not None:
                parts.insert(0, self.targets)
            self.targets = torch.cat(parts)
        self.num_samples = self.samples.shape[0]
        self.indices = np.arange(self.num_samples)
        self.log(f"New dataset size: {self.num_samples}, batches: {len(self)}")


class StaticDataGenerator(_TorchDataGenerationCommon):
    """Downloads the list once (dynamic=False); see DataDownloader for the arguments."""

    def __init__(self, **kwargs):
        dynamic = kwargs.pop("dynamic", False)
        kwargs["dynamic"] = False
        super().__init__(**kwargs)
        if dynamic:
            self.log("Static data generator cannot be started with dynamic=True, "
                     "setting it to False")


class DynamicDataGenerator(_TorchDataGenerationCommon):
    """Fetches newly appended batches at every epoch (dynamic=True); see DataDownloader."""

    def __init__(self, **kwargs):
        dynamic = kwargs.pop("dynamic", True)
        kwargs["dynamic"] = True
        super().__init__(**kwargs)
        if not dynamic:
            self.log("Dynamic data generator cannot be started with dynamic=False, "
                     "setting it to True")


def _worker_init_fn(worker_id):
    """Makes the worker's copy of the dataset replica (rank * workers + id) of
    (replicas * workers), then downloads its share."""
    info = torch.utils.data.get_worker_info()
    dataset = info.dataset
    dataset.set_replica_parameters(
        replica_rank=dataset.replica_rank * info.num_workers + info.id,
        num_replicas=dataset.num_replicas * info.num_workers)
    dataset.log(f"Worker {info.id + 1}/{info.num_workers}: dataset replica "
                f"{dataset.replica_rank + 1}/{dataset.num_replicas}")
    dataset.init_samples()


class DataLoader(torch.utils.data.DataLoader):
    """torch DataLoader over a Static/DynamicDataGenerator: persistent workers (the datasets
    keep growing across epochs), each initialized as a replica. Pass batch_size=None and
    num_workers >= 1."""

    def __init__(self, dataset, **kwargs):
        super().__init__(dataset, worker_init_fn=_worker_init_fn, persistent_workers=True,
                         **kwargs)


__all__ = ["DataLoader", "DynamicDataGenerator", "StaticDataGenerator"]
