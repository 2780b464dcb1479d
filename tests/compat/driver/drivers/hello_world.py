# SmartSim's "hello world" (documentation: Experiments / Getting Started), import changed.
import sys

from insitu import Experiment
from insitu.log import get_logger

logger = get_logger("Example Experiment Log")

exp = Experiment("hello_world_exp", launcher="local")
settings = exp.create_run_settings(exe="echo", exe_args="hello world")
# Node and task counts mean nothing to the local launcher: SmartSim warns and ignores them.
settings.set_nodes(1)
settings.set_tasks_per_node(1)
settings.set_tasks(1)
model = exp.create_model("hello_world", settings)
exp.start(model, block=True)
logger.info(exp.get_status(model))
print("STATUS", exp.get_status(model)[0])
print("RUN_COMMAND", settings.run_command)
print(exp.summary(style="html"))
