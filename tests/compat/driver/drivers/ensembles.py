# Ensembles as SmartSim's documentation builds them (Ensembles: params with the three permutation
# strategies, params_as_args, replicas, iteration and lookup by name), import changed.
import sys

from insitu import Experiment

exp = Experiment("ensembles", launcher="local")
rs = exp.create_run_settings(exe=sys.executable, exe_args="report.py")

params = {"name": ["Ellie", "John"], "parameter": [2, 11]}
all_perm = exp.create_ensemble("all_perm", params=params, run_settings=rs, perm_strategy="all_perm",
                               params_as_args=["name", "parameter"])
step = exp.create_ensemble("step", params=params, run_settings=rs, perm_strategy="step",
                           params_as_args=["name"])
rand = exp.create_ensemble("rand", params=params, run_settings=rs, perm_strategy="random", n_models=3)
replicas = exp.create_ensemble("replicas", run_settings=rs, replicas=2)


def reverse_strategy(param_names, param_values, n_models=0):
    # A user strategy: every value of the first parameter, last first.
    return [{param_names[0]: v} for v in reversed(param_values[0])]


custom = exp.create_ensemble("custom", params=params, run_settings=rs, perm_strategy=reverse_strategy)

for ens in (all_perm, step, rand, replicas, custom):
    print("MEMBERS", ens.name, ens.type, len(ens), [m.name for m in ens])
    print("PARAMS", ens.name, [dict(m.params) for m in ens.models])
print("LOOKUP", all_perm["all_perm_1"].name, all_perm["missing"])
print("ENTITIES", [m.name for m in step.entities])

def times_two(x):
    return 2 * x

replicas.add_function("times_two", function=times_two)
print("DB_SCRIPTS", [s.name for s in replicas.db_scripts], [[s.name for s in m.db_scripts] for m in replicas])
replicas.enable_key_prefixing()
print("PREFIX", replicas.query_key_prefixing())

for ens in (all_perm, step, custom):
    ens.attach_generator_files(to_copy=["report.py"])
exp.generate(all_perm, step, custom, overwrite=True)
exp.start(all_perm, step, custom, block=True)
print("STATUS", [str(s) for s in exp.get_status(all_perm, step, custom)])
