# A second driver: reconnects to the database the first one started (from its smartsim_db.dat),
# previews and launches an application against it, then stops it.
import sys

from insitu import Experiment
from insitu.log import get_logger, log_to_file

logger = get_logger(__name__)
log_to_file("driver.log", log_level="debug")

checkpoint = sys.argv[1]
exp = Experiment("second_driver", launcher="local")
db = exp.reconnect_orchestrator(checkpoint)
print("RECONNECTED", db.is_active(), db.get_address(), [str(s) for s in exp.get_status(db)])

rs = exp.create_run_settings(exe=sys.executable, exe_args="report.py")
model = exp.create_model("consumer", rs, params={"steps": 10})
model.attach_generator_files(to_copy=["report.py"])
exp.preview(model, db, output_filename="preview.txt")
exp.preview(model)
exp.generate(model, overwrite=True)
exp.start(model, block=True, summary=True)
logger.debug("debug line for the file only")
print("STATUS", [str(s) for s in exp.get_status(model)])
exp.stop(db)
print("STOPPED", db.is_active())
