"""Online training from a running simulation, as a SmartSim 0.8 driver with only the import
changed (from smartsim import Experiment -> from insitu import Experiment).

The database, the producer (producer.py, a heat-equation simulation) and the trainer
(trainer.py, PyTorch) run at once: the trainer's data set grows while the simulation runs. The
driver then checks the training report the trainer left in the database.

    python driver.py [--quick] [--db-nodes 3] [--store-model]
"""

import argparse
import os
import sys

import numpy as np

from insitu import Client, Experiment

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a short run (for tests)")
    parser.add_argument("--db-nodes", type=int, default=1)
    parser.add_argument("--port", type=int, default=6780)
    parser.add_argument("--exp-dir", default=None)
    parser.add_argument("--store-model", action="store_true",
                        help="store the trained model in the database and run it there "
                             "(needs the database's TORCH backend)")
    args = parser.parse_args()
    cluster = args.db_nodes > 1
    steps = 25 if args.quick else 100

    exp = Experiment("online-training", exp_path=args.exp_dir, launcher="local")
    db = exp.create_database(port=args.port, db_nodes=args.db_nodes, interface="lo")
    producer_args = [os.path.join(HERE, "producer.py"), "--steps", str(steps)]
    trainer_args = [os.path.join(HERE, "trainer.py")]
    if cluster:
        producer_args.append("--cluster")
        trainer_args.append("--cluster")
    if args.store_model:
        trainer_args.append("--store-model")
    producer = exp.create_model(
        "producer", exp.create_run_settings(exe=sys.executable, exe_args=producer_args))
    trainer = exp.create_model(
        "trainer", exp.create_run_settings(exe=sys.executable, exe_args=trainer_args))

    exp.start(db)
    try:
        exp.start(producer, trainer, block=True)
        statuses = exp.get_status(producer, trainer)
        print("statuses:", [str(s) for s in statuses])
        if any(str(s) != "Completed" for s in statuses):
            sys.exit(f"online training: a job failed, see {exp.exp_path}")

        client = Client(cluster, db.get_address()[0], logger_name="driver")
        sizes = client.get_tensor("training_sizes")
        losses = client.get_tensor("training_losses")
        print("samples per epoch:", sizes.tolist())
        print("mse per epoch: first %.2e, last %.2e" % (losses[0], losses[-1]))
        total = steps * 64
        checks = {
            "the data set grew while training ran": len(set(sizes.tolist())) > 2
            and all(b >= a for a, b in zip(sizes, sizes[1:])),
            "the last epochs saw every sample": sizes[-1] == total,
            "the model learned the update": losses[-1] < 2e-3 and losses[-1] < losses[0] / 10,
        }
        if args.store_model:
            # The trained model, run in the database, reproduces the simulation's update on
            # windows of a smooth profile (the kind of data it was trained on).
            x = np.linspace(0, 2 * np.pi, 128, endpoint=False)
            u = (2 * np.sin(3 * x) + np.cos(5 * x)).astype(np.float32)
            centre = np.arange(1, 127, 9)
            windows = np.stack([u[centre - 1], u[centre], u[centre + 1]], axis=1)
            client.put_tensor("stencil_in", windows)
            client.run_model("heat_stencil", ["stencil_in"], ["stencil_out"])
            exact = windows[:, 1] + 0.2 * (windows[:, 0] - 2 * windows[:, 1] + windows[:, 2])
            error = np.abs(client.get_tensor("stencil_out")[:, 0] - exact).max()
            print(f"in-database inference: max error {error:.2e} over {len(centre)} windows")
            checks["the stored model runs in the database"] = bool(error < 0.1)
        for what, ok in checks.items():
            print(("ok   " if ok else "FAIL ") + what)
        if not all(checks.values()):
            sys.exit("online training: FAILED")
        print("online training: OK")
    finally:
        exp.stop(db)


if __name__ == "__main__":
    main()
