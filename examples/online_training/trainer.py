"""The training side of online training: a small PyTorch model learns the simulation's update
from the batches the producer keeps appending, through SmartSim's DynamicDataGenerator and
DataLoader. Written as for SmartSim 0.8; only the import differs:
    from smartsim.ml.torch import DataLoader, DynamicDataGenerator
                                   ->   from insitu.ml.torch import ...
"""

import argparse
import io

import numpy as np
import torch

from insitu import Client
from insitu.ml.torch import DataLoader, DynamicDataGenerator


class Stencil(torch.nn.Module):
    """The simulation's update is linear in a point and its two neighbours."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 1)

    def forward(self, x):
        return self.linear(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-epochs", type=int, default=100000, help="a safety stop")
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--final-epochs", type=int, default=20,
                        help="epochs once the producer is done")
    parser.add_argument("--store-model", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # a tiny model: more threads only compete with the simulation

    training_set = DynamicDataGenerator(data_info_or_list_name="heat_training", batch_size=32,
                                        shuffle=True, cluster=args.cluster)
    trainloader = DataLoader(training_set, batch_size=None, num_workers=2)
    client = Client(args.cluster, logger_name="trainer")

    model = Stencil()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    sizes, losses = [], []
    producer_done_at = None
    for epoch in range(args.max_epochs):
        seen, total = 0, 0.0
        for x, y in trainloader:
            loss = torch.nn.functional.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += x.shape[0]
            total += float(loss) * x.shape[0]
        sizes.append(seen)
        losses.append(total / seen)
        print(f"trainer: epoch {epoch}: {seen} samples, mse {losses[-1]:.2e}", flush=True)
        if epoch == 0:
            client.put_tensor("trainer_ready", np.array([1], dtype=np.int8))
        # Once the producer is done, more epochs over the complete data set.
        if producer_done_at is None and client.tensor_exists("producer_done"):
            producer_done_at = epoch
        if producer_done_at is not None and epoch >= producer_done_at + args.final_epochs:
            break

    # The report the driver checks: samples per epoch and mean loss per epoch.
    client.put_tensor("training_sizes", np.array(sizes, dtype=np.int64))
    client.put_tensor("training_losses", np.array(losses, dtype=np.float64))
    if args.store_model:
        # The trained model in the database, for any client's run_model (TorchScript).
        buffer = io.BytesIO()
        torch.jit.save(torch.jit.script(model.eval()), buffer)
        client.set_model("heat_stencil", buffer.getvalue(), "TORCH", "CPU")
    del trainloader  # stops the persistent workers


if __name__ == "__main__":
    main()
