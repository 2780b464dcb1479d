"""A telemetry test driver (its own process, so that tests can SIGKILL it): a database with the
model "mlp" stored, the app of app.py, then waits for `--hold FILE` (when given) before stopping
the database, so that a test sees the ended application next to a running database.

driver.py EXP_DIR --seconds S [--shards N] [--tls] [--colocated] [--ensemble N] [--hold FILE]"""
import argparse
import os
import sys
import time

from insitu import Experiment

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.environ["INSITU_TEST_MODELS_DIR"]

p = argparse.ArgumentParser()
p.add_argument("exp_dir")
p.add_argument("--seconds", type=float, default=10)
p.add_argument("--pause", type=float, default=0.05)
p.add_argument("--shards", type=int, default=1)
p.add_argument("--tls", action="store_true")
p.add_argument("--colocated", action="store_true")
p.add_argument("--ensemble", type=int, default=0)
p.add_argument("--hold")
a = p.parse_args()

exp = Experiment("telemetry-test", exp_path=a.exp_dir)
db = exp.create_database(port=0, db_nodes=a.shards, tls=a.tls)
rs = exp.create_run_settings(sys.executable,
                             exe_args=[os.path.join(HERE, "app.py"), MODELS, str(a.seconds),
                                       str(a.pause)])
app = exp.create_model("app", rs)
app.add_ml_model("mlp", "TORCH", model_path=os.path.join(MODELS, "mlp_traced.pt"))
entities = [app]
if a.colocated:
    colo = exp.create_model("colo", rs)
    colo.colocate_db_uds(db_cpus=1)
    colo.add_ml_model("mlp", "TORCH", model_path=os.path.join(MODELS, "mlp_traced.pt"))
    entities.append(colo)
if a.ensemble:
    ens = exp.create_ensemble("short", run_settings=exp.create_run_settings("true"),
                              replicas=a.ensemble)
    entities.append(ens)
exp.start(db)
exp.start(*entities, block=True)
print(exp.summary(), flush=True)
if a.hold:
    while not os.path.exists(a.hold):
        time.sleep(0.05)
exp.stop(db)
print("driver: done", flush=True)
