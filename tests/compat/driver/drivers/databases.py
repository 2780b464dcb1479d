# Standalone (an Orchestrator built directly, as SmartSim's Orchestrator docs do), clustered
# (create_database with 3 shards) and co-located databases, each used by an application.
import os
import sys

from insitu import Experiment
from insitu.database import Orchestrator
from insitu.log import get_logger

logger = get_logger(__name__)
PORT = int(os.environ["DB_PORT"])
CLUSTER_PORT = int(os.environ["CLUSTER_PORT"])
COLO_PORT = int(os.environ["COLO_PORT"])

exp = Experiment("databases", launcher="local")

# 1. A standalone Orchestrator made directly and passed to exp.start.
db = Orchestrator(port=PORT, db_nodes=1, interface="lo", launcher="local",
                  path=os.path.join(exp.exp_path, "standalone_db"))
rs = exp.create_run_settings(exe=sys.executable, exe_args="report.py")
model = exp.create_model("standalone_app", rs)
model.attach_generator_files(to_copy=["report.py"])
exp.generate(model, overwrite=True)
exp.start(db)
logger.info(f"standalone database at {db.get_address()}")
print("CHECKPOINT", os.path.exists(db.checkpoint_file), db.checkpoint_file)
exp.start(model, block=True)
print("STANDALONE", [str(s) for s in exp.get_status(model)], db.get_address())
exp.stop(db)
print("STANDALONE_DB", [str(s) for s in exp.get_status(db)])

# 2. A 3-shard cluster from create_database.
cluster = exp.create_database(port=CLUSTER_PORT, db_nodes=3, interface="lo")
ens = exp.create_ensemble("cluster_app", run_settings=rs, replicas=2)
ens.attach_generator_files(to_copy=["report.py"])
exp.generate(ens, overwrite=True)
exp.start(cluster)
exp.start(ens, block=True)
print("CLUSTER", [str(s) for s in exp.get_status(ens)], len(cluster.get_address()))
exp.stop(cluster)

# 3. Co-located over TCP.
colo = exp.create_model("colocated_app", rs)
colo.colocate_db_tcp(port=COLO_PORT, ifname="lo", db_cpus=1, debug=False)
colo.attach_generator_files(to_copy=["report.py"])
exp.generate(colo, overwrite=True)
exp.start(colo, block=True)
print("COLOCATED", [str(s) for s in exp.get_status(colo)], colo.colocated)
print(exp.summary())
