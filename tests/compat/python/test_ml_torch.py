"""SmartSim 0.8's online-training helpers (smartsim.ml and smartsim.ml.torch, used as in SmartSim's
"Online training with PyTorch" documentation) with only the import changed: the producer's
TrainingDataUploader and the trainer's DataDownloader / DynamicDataGenerator / DataLoader, over
a list that grows while training runs."""

import numpy as np
import pytest
import torch

from insitu import Client
from insitu.ml import DataDownloader, DataInfo, TrainingDataUploader, form_name
from insitu.ml.torch import DataLoader, DynamicDataGenerator, StaticDataGenerator


def simulation_batch(step, n=8):
    """Samples x (n x 3) and targets y = x @ w + step marker, so every pair can be checked."""
    rng = np.random.default_rng(step)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    x[:, 0] = step  # identifies the batch a sample came from
    y = (x @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    return x, y


def check_pairs(x, y):
    x, y = np.asarray(x), np.asarray(y)
    np.testing.assert_allclose(y[:, 0], x @ np.array([1.0, -2.0, 0.5], dtype=np.float32),
                               rtol=1e-5, atol=1e-5)


@pytest.fixture
def uploader(use_cluster):
    up = TrainingDataUploader(list_name="sim_data", sample_name="samples",
                              target_name="targets", num_classes=None, cluster=use_cluster)
    up.publish_info()
    return up


def test_form_name():
    assert form_name("training_samples", None, 3) == "training_samples_3"
    assert form_name("training_samples", 2, 0) == "training_samples_2_0"


def test_uploader_layout(use_cluster, context):
    """The database layout SmartSim's uploader writes (so either side can be SmartSim's)."""
    up = TrainingDataUploader(list_name="sim_data", num_classes=3, cluster=use_cluster, rank=2)
    up.publish_info()
    for step in range(2):
        up.put_batch(*simulation_batch(step))
    client = Client(use_cluster, logger_name=context)
    info = client.get_dataset("sim_data_info")
    assert info.get_meta_strings("sample_name") == ["samples"]
    assert info.get_meta_strings("target_name") == ["targets"]
    assert list(info.get_meta_scalars("num_classes")) == [3]
    assert client.get_list_length("sim_data") == 2
    batches = client.get_datasets_from_list("sim_data")
    assert [d.get_name() for d in batches] == ["training_samples_2_0", "training_samples_2_1"]
    for step, d in enumerate(batches):
        assert sorted(d.get_tensor_names()) == ["samples", "targets"]
        np.testing.assert_array_equal(d.get_tensor("samples"), simulation_batch(step)[0])
    downloaded = DataInfo("sim_data")
    downloaded.download(client)
    assert (downloaded.sample_name, downloaded.target_name, downloaded.num_classes) == (
        "samples", "targets", 3)
    missing = DataInfo("never_published", sample_name="s")
    missing.download(client)  # kept as is
    assert missing.sample_name == "s"


def test_data_downloader(uploader, use_cluster):
    for step in range(3):
        uploader.put_batch(*simulation_batch(step))
    loader = DataDownloader("sim_data", batch_size=4, dynamic=True, shuffle=True,
                            cluster=use_cluster)
    assert len(loader) == 6 and loader.num_samples == 24
    seen = []
    for x, y in loader:
        assert x.shape == (4, 3) and y.shape == (4, 1)
        check_pairs(x, y)
        seen.append(x)
    assert sorted(np.concatenate(seen)[:, 0].tolist()) == sorted([0.0] * 8 + [1.0] * 8 + [2.0] * 8)
    uploader.put_batch(*simulation_batch(3))
    assert sum(1 for _ in loader) == 8  # dynamic: the next epoch includes the new batch


def test_autoencoder_and_errors(use_cluster, monkeypatch):
    up = TrainingDataUploader(list_name="ae", sample_name="fields", target_name="fields",
                              cluster=use_cluster)
    up.publish_info()
    up.put_batch(simulation_batch(0)[0], simulation_batch(0)[0])
    loader = DataDownloader("ae", batch_size=8, shuffle=False, cluster=use_cluster)
    x, y = next(iter(loader))
    np.testing.assert_array_equal(x, y)  # sample name == target name: (x, x)
    with pytest.raises(TypeError):
        DataDownloader(42, cluster=use_cluster)
    with pytest.raises(ValueError):
        TrainingDataUploader(list_name="", cluster=use_cluster)
    monkeypatch.setattr(DataDownloader, "fetch_interval", 0.05)
    with pytest.raises(RuntimeError, match="trials"):
        DataDownloader(DataInfo("empty_list"), cluster=use_cluster, max_fetch_trials=3)


def test_dynamic_generator_grows_while_producing(uploader, use_cluster):
    """The DataLoader's persistent workers each read their share of the list, and every epoch
    adds the batches the producer appended meanwhile."""
    for step in range(2):
        uploader.put_batch(*simulation_batch(step))
    training_set = DynamicDataGenerator(data_info_or_list_name="sim_data", batch_size=4,
                                        shuffle=True, cluster=use_cluster)
    trainloader = DataLoader(training_set, batch_size=None, num_workers=2)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    # Feature 0 grows with the step (up to 5): a larger rate makes SGD unstable on late batches.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    # Learning is judged on one fixed set (every batch the producer will have written), not on the
    # last batch's loss: later batches have larger values, so their loss is not comparable.
    eval_x, eval_y = (torch.from_numpy(np.concatenate(a))
                      for a in zip(*(simulation_batch(s) for s in range(6))))

    def eval_loss():
        with torch.no_grad():
            return float(torch.nn.functional.mse_loss(model(eval_x), eval_y))

    loss_before = eval_loss()
    sizes = []
    for epoch in range(4):
        seen = 0
        for x, y in trainloader:
            assert isinstance(x, torch.Tensor) and x.shape == (4, 3)
            check_pairs(x, y)
            loss = torch.nn.functional.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += x.shape[0]
        sizes.append(seen)
        if epoch < 2:
            for step in range(2 + 2 * epoch, 4 + 2 * epoch):  # the simulation goes on
                uploader.put_batch(*simulation_batch(step))
    assert sizes == [16, 32, 48, 48], sizes
    assert eval_loss() < 0.5 * loss_before, (loss_before, eval_loss())
    del trainloader  # stops the persistent workers


def test_static_generator_does_not_grow(uploader, use_cluster):
    for step in range(2):
        uploader.put_batch(*simulation_batch(step))
    static_set = StaticDataGenerator(data_info_or_list_name="sim_data", batch_size=4,
                                     cluster=use_cluster, dynamic=True)  # forced to False
    assert static_set.dynamic is False
    loader = DataLoader(static_set, batch_size=None, num_workers=1)
    assert sum(x.shape[0] for x, _ in loader) == 16
    uploader.put_batch(*simulation_batch(2))
    assert sum(x.shape[0] for x, _ in loader) == 16
    del loader


def test_ensemble_producers(use_cluster, monkeypatch):
    """Producers in a SmartSim ensemble write under their key prefix (SSKEYOUT); a trainer with
    them as incoming entities (SSKEYIN) reads every producer's list."""
    for member in ("sim_0", "sim_1"):
        monkeypatch.setenv("SSKEYOUT", member)
        up = TrainingDataUploader(list_name="ens_data", cluster=use_cluster)
        if member == "sim_0":
            up.publish_info()
        for step in range(2):
            up.put_batch(*simulation_batch(10 * int(member[-1]) + step))
    monkeypatch.setenv("SSKEYIN", "sim_0,sim_1")
    monkeypatch.delenv("SSKEYOUT")
    loader = DataDownloader(DataInfo("ens_data"), batch_size=8, shuffle=False,
                            cluster=use_cluster)
    assert loader.num_samples == 32
    assert sorted(set(loader.samples[:, 0].tolist())) == [0.0, 1.0, 10.0, 11.0]
