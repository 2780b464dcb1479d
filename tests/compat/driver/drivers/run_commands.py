# create_run_settings with run_command None and "auto", exe_args as one string (SmartSim splits
# it on whitespace), and the argv the application sees.
import sys

from insitu import Experiment

exp = Experiment("run_commands", launcher="local")
none_rs = exp.create_run_settings(sys.executable, exe_args="report.py --redis-port 6899", run_command=None)
auto_rs = exp.create_run_settings(sys.executable, exe_args=["report.py", "two words", "x"], run_command="auto")
auto_rs.add_exe_args("--extra 1")
auto_rs.set_cpus_per_task(2)
auto_rs.set_hostlist(["localhost"])
auto_rs.set_walltime("00:10:00")
print("NONE", none_rs.run_command, none_rs.exe_args)
print("AUTO", auto_rs.run_command, auto_rs.exe_args)
m1 = exp.create_model("none_model", none_rs)
m2 = exp.create_model("auto_model", auto_rs)
for m in (m1, m2):
    m.attach_generator_files(to_copy=["report.py"])
exp.generate(m1, m2, overwrite=True)
exp.start(m1, m2, block=True)
print("STATUS", [str(s) for s in exp.get_status(m1, m2)])
