"""Online training data over aggregation lists, with SmartSim 0.8's names and layout.

Layout (what SmartSim's uploader writes, so either side may be SmartSim's):
  - the info dataset "<list_name>_info": string metadata "sample_name" and (optional)
    "target_name", scalar metadata "num_classes" (optional);
  - one dataset per batch, "training_samples[_<rank>]_<batch index>", with the tensors
    <sample_name> and (optional) <target_name>, appended to the list <list_name>.
"""

import logging
import os
import time

import numpy as np

from ..client import Client, Dataset
from ..error import RedisReplyError

logger = logging.getLogger("insitu.ml")


def form_name(*args):
    """The parts that are not None joined with "_" (form_name("a", None, 3) == "a_3")."""
    return "_".join(str(arg) for arg in args if arg is not None)


class DataInfo:
    """Where training data lives: the list name and the tensor names in each batch dataset."""

    def __init__(self, list_name, sample_name="samples", target_name="targets",
                 num_classes=None):
        self.list_name = list_name
        self.sample_name = sample_name
        self.target_name = target_name
        self.num_classes = num_classes
        self._ds_name = form_name(self.list_name, "info")

    def publish(self, client):
        """Stores this information as the dataset "<list_name>_info"."""
        info = Dataset(self._ds_name)
        info.add_meta_string("sample_name", self.sample_name)
        if self.target_name:
            info.add_meta_string("target_name", self.target_name)
        if self.num_classes:
            info.add_meta_scalar("num_classes", self.num_classes)
        client.put_dataset(info)

    def download(self, client):
        """Reads "<list_name>_info"; when it is not there the current values are kept."""
        try:
            info = client.get_dataset(self._ds_name)
        except RedisReplyError:
            logger.warning("No dataset %s: keeping %r", self._ds_name, self)
            return
        self.sample_name = info.get_meta_strings("sample_name")[0]
        fields = info.get_metadata_field_names()
        if "target_name" in fields:
            self.target_name = info.get_meta_strings("target_name")[0]
        if "num_classes" in fields:
            self.num_classes = int(info.get_meta_scalars("num_classes")[0])

    def __repr__(self):
        lines = ["DataInfo object", f"Aggregation list name: {self.list_name}",
                 f"Sample tensor name: {self.sample_name}"]
        if self.target_name:
            lines.append(f"Target tensor name: {self.target_name}")
        if self.num_classes:
            lines.append(f"Number of classes: {self.num_classes}")
        return "\n".join(lines)


class _DataInfoNames:
    """list_name, sample_name, target_name and num_classes, read from the DataInfo in _info."""

    @property
    def list_name(self):
        return self._info.list_name

    @property
    def sample_name(self):
        return self._info.sample_name

    @property
    def target_name(self):
        return self._info.target_name

    @property
    def num_classes(self):
        return self._info.num_classes


class TrainingDataUploader(_DataInfoNames):
    """The producer side: publish_info() once, then put_batch(samples, targets) per batch."""

    def __init__(self, list_name="training_data", sample_name="samples", target_name="targets",
                 num_classes=None, cluster=True, address=None, rank=None, verbose=False):
        if not list_name:
            raise ValueError("Name can not be empty")
        if not sample_name:
            raise ValueError("Sample name can not be empty")
        self.client = Client(cluster, address, logger_name="TrainingDataUploader")
        self.verbose = verbose
        self.batch_idx = 0
        self.rank = rank
        self._info = DataInfo(list_name, sample_name, target_name, num_classes)

    def publish_info(self):
        self._info.publish(self.client)

    def put_batch(self, samples, targets=None):
        """Stores one batch as a dataset and appends it to the list."""
        name = form_name("training_samples", self.rank, self.batch_idx)
        batch = Dataset(name)
        batch.add_tensor(self.sample_name, samples)
        with_targets = (targets is not None and bool(self.target_name)
                        and self.target_name != self.sample_name)
        if with_targets:
            batch.add_tensor(self.target_name, targets)
        self.client.put_dataset(batch)
        self.client.append_to_list(self.list_name, batch)
        if self.verbose:
            logger.info("Put dataset %s (%s) on list %s", name,
                        "samples and targets" if with_targets else "samples", self.list_name)
        self.batch_idx += 1


class DataDownloader(_DataInfoNames):
    """The trainer side: the batches of a list as one growing set of samples.

    Iterating yields shuffled mini-batches of `batch_size` (samples, or (samples, targets));
    each new iteration first fetches the batches appended since the last one (dynamic=True).
    Replica `replica_rank` of `num_replicas` takes every num_replicas-th list entry, so replicas
    (e.g. DataLoader workers or ranks) share out the list. With SSKEYIN set (a SmartSim model
    with incoming entities), the list of each incoming entity is read.
    """

    # Seconds between attempts while init_samples waits for a first batch (SmartSim: 10).
    fetch_interval = 10.0

    def __init__(self, data_info_or_list_name, batch_size=32, dynamic=True, shuffle=True,
                 cluster=True, address=None, replica_rank=0, num_replicas=1, verbose=False,
                 init_samples=True, max_fetch_trials=-1):
        self.address = address
        self.cluster = cluster
        self.verbose = verbose
        self.samples = None
        self.targets = None
        self.num_samples = 0
        self.indices = np.arange(0)
        self.shuffle = shuffle
        self.dynamic = dynamic
        self.batch_size = batch_size
        if isinstance(data_info_or_list_name, DataInfo):
            self._info = data_info_or_list_name
        elif isinstance(data_info_or_list_name, str):
            self._info = DataInfo(list_name=data_info_or_list_name)
            self._info.download(self._new_client())
        else:
            raise TypeError("data_info_or_list_name must be either DataInfo or str")
        self._client = None
        self.uploader_keys = os.environ.get("SSKEYIN", "").split(",")
        self.set_replica_parameters(replica_rank, num_replicas)
        if init_samples:
            self.init_samples(max_fetch_trials)

    def _new_client(self):
        return Client(self.cluster, self.address, logger_name="DataDownloader")

    @property
    def client(self):
        if self._client is None:
            raise ValueError("Client not initialized")
        return self._client

    def log(self, message):
        if self.verbose:
            logger.info(message)

    def set_replica_parameters(self, replica_rank, num_replicas):
        self.replica_rank = replica_rank
        self.num_replicas = num_replicas
        self.next_indices = [self.replica_rank] * max(1, len(self.uploader_keys))

    @property
    def autoencoding(self):
        return self.sample_name == self.target_name

    @property
    def need_targets(self):
        """Whether targets are downloaded (a target name that differs from the sample name)."""
        return bool(self.target_name) and not self.autoencoding

    def __len__(self):
        """The number of full mini-batches in the samples downloaded so far."""
        return int(self.num_samples // self.batch_size)

    def _calc_indices(self, index):
        return self.indices[index * self.batch_size:(index + 1) * self.batch_size]

    def __iter__(self):
        self.update_data()
        if len(self) < 1:
            raise ValueError("Not enough samples in generator for one batch. Please run "
                             "init_samples() or initialize generator with init_samples=True")
        for index in range(len(self)):
            yield self._data_generation(self._calc_indices(index))

    def init_samples(self, init_trials=-1):
        """Connects and downloads what the list holds, retrying every `fetch_interval` seconds
        until there is a full batch, at most `init_trials` times (-1: no limit)."""
        self._client = self._new_client()
        trials = 0
        max_trials = init_trials or -1
        while True:
            self._update_samples_and_targets()
            trials += 1
            if self or trials == max_trials:
                break
            self.log(f"DataLoader could not download samples, will try again in "
                     f"{self.fetch_interval:g} seconds")
            time.sleep(self.fetch_interval)
        if not self:
            raise RuntimeError("Could not download samples in given number of trials")
        if self.shuffle:
            np.random.shuffle(self.indices)

    def _fetch_datasets(self, client, indices):
        if self.num_replicas == 1:  # one contiguous range
            return client.get_dataset_list_range(self.list_name, indices[0], indices[-1])
        datasets = []
        for idx in indices:
            datasets += client.get_dataset_list_range(self.list_name, idx, idx)
        return datasets

    def _add_samples(self, indices):
        datasets = self._fetch_datasets(self.client, indices)
        parts = [d.get_tensor(self.sample_name) for d in datasets]
        if self.samples is not None:
            parts.insert(0, self.samples)
        self.samples = np.concatenate(parts)
        if self.need_targets:
            parts = [d.get_tensor(self.target_name) for d in datasets]
            if self.targets is not None:
                parts.insert(0, self.targets)
            self.targets = np.concatenate(parts)
        self.num_samples = self.samples.shape[0]
        self.indices = np.arange(self.num_samples)
        self.log(f"New dataset size: {self.num_samples}, batches: {len(self)}")

    def _update_samples_and_targets(self):
        self.log(f"Rank {self.replica_rank} out of {self.num_replicas} replicas")
        for uploader_idx, uploader_key in enumerate(self.uploader_keys):
            if uploader_key:
                self.client.use_list_ensemble_prefix(True)
                self.client.set_data_source(uploader_key)
            list_length = self.client.get_list_length(self.list_name)
            start = self.next_indices[uploader_idx]
            if list_length > start:
                indices = list(range(start, list_length, self.num_replicas))
                self._add_samples(indices)
                self.next_indices[uploader_idx] = indices[-1] + self.num_replicas

    def update_data(self):
        """Fetches the batches appended since the last call (dynamic) and reshuffles."""
        if self.dynamic:
            self._update_samples_and_targets()
        if self.shuffle:
            np.random.shuffle(self.indices)

    def _data_generation(self, indices):
        if self.samples is None:
            raise ValueError("Samples have not been initialized")
        x = self.samples[indices]
        if self.need_targets:
            return x, self.targets[indices]
        if self.autoencoding:
            return x, x
        return x


__all__ = ["DataDownloader", "DataInfo", "TrainingDataUploader", "form_name"]
