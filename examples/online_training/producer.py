"""The simulation side of online training: a 1-D heat equation that, every step, uploads a batch
of (3-point neighbourhood, next value) pairs to the database with SmartSim's
TrainingDataUploader. Written as for SmartSim 0.8; only the import differs:
    from smartsim.ml import TrainingDataUploader   ->   from insitu.ml import TrainingDataUploader
"""

import argparse
import time

import numpy as np

from insitu import Client
from insitu.ml import TrainingDataUploader

ALPHA_DT = 0.2  # diffusion number of the explicit scheme (stable below 0.5)


def step(u):
    """One explicit step with periodic boundaries: u + a (u[i-1] - 2 u[i] + u[i+1])."""
    return u + ALPHA_DT * (np.roll(u, 1) - 2 * u + np.roll(u, -1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--points", type=int, default=256)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between steps")
    parser.add_argument("--cluster", action="store_true")
    args = parser.parse_args()

    rng = np.random.default_rng(7)
    x = np.linspace(0, 2 * np.pi, args.points, endpoint=False)
    u = sum(rng.normal() * np.sin(k * x + rng.uniform(0, 2 * np.pi)) for k in range(1, 9))

    uploader = TrainingDataUploader(list_name="heat_training", sample_name="samples",
                                    target_name="targets", cluster=args.cluster)
    uploader.publish_info()
    client = Client(args.cluster, logger_name="producer")
    for n in range(args.steps):
        if n == 2:
            # Let the trainer start on the first batches, so the rest arrive while it trains.
            if not client.poll_tensor("trainer_ready", 100, 1200):
                raise SystemExit("producer: no trainer after 120 s")
        nxt = step(u)
        centre = rng.integers(0, args.points, args.batch)
        samples = np.stack([u[centre - 1], u[centre], u[(centre + 1) % args.points]], axis=1)
        targets = nxt[centre][:, None]
        uploader.put_batch(samples.astype(np.float32), targets.astype(np.float32))
        u = nxt
        time.sleep(args.pause)

    # Tell the trainer the run is over (a plain tensor, as SmartSim examples do).
    client.put_tensor("producer_done", np.array([uploader.batch_idx], dtype=np.int64))
    print(f"producer: uploaded {uploader.batch_idx} batches of {args.batch}", flush=True)


if __name__ == "__main__":
    main()
