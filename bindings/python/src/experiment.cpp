// _insitu.Experiment and the entities: the C++ Experiment API (insitu/experiment.h) with
// SmartSim's Python signatures, so that a SmartSim driver runs with only its import changed.
// Calls that wait on processes or databases release the GIL.
#include <insitu/experiment.h>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <map>
#include <thread>
#include <string>
#include <vector>

#include "bindings.h"

namespace py = pybind11;

namespace insitu::python {
namespace {

// Python values as the strings the C++ API takes: None -> "", numbers and strings via str().
std::string as_str(const py::handle& v) { return v.is_none() ? "" : py::str(v).cast<std::string>(); }

std::vector<std::string> str_list(const py::object& v) {
    std::vector<std::string> out;
    if (v.is_none()) return out;
    if (py::isinstance<py::str>(v)) return {v.cast<std::string>()};
    for (auto x : v) out.push_back(as_str(x));
    return out;
}

std::map<std::string, std::string> str_map(const py::object& v) {
    std::map<std::string, std::string> out;
    if (v.is_none()) return out;
    for (auto [k, x] : v.cast<py::dict>()) out[as_str(k)] = as_str(x);
    return out;
}

EntityList entities_of(const py::args& args) {
    EntityList out;
    for (auto a : args) {
        if (py::isinstance<py::list>(a) || py::isinstance<py::tuple>(a)) {
            for (auto x : a) out.push_back(x.cast<EntityPtr>());
        } else {
            out.push_back(a.cast<EntityPtr>());
        }
    }
    return out;
}

// SmartSim's custom_pinning: None, an iterable of ints or of iterables of ints.
std::optional<std::vector<int>> pinning_of(const py::object& v) {
    if (v.is_none()) return std::nullopt;
    std::vector<int> cpus;
    for (auto x : v) {
        if (py::isinstance<py::int_>(x)) cpus.push_back(x.cast<int>());
        else
            for (auto y : x) cpus.push_back(y.cast<int>());
    }
    return cpus;
}

// A function object's source (SmartRedis's set_function sends inspect.getsource).
std::string function_source(const py::object& f) {
    if (py::isinstance<py::str>(f)) return f.cast<std::string>();
    if (!PyCallable_Check(f.ptr())) throw py::type_error("add_function: function must be a callable or its source");
    auto src = py::module_::import("inspect").attr("getsource")(f);
    return py::module_::import("textwrap").attr("dedent")(src).cast<std::string>();
}

std::string model_bytes(const py::object& model) {
    if (model.is_none()) return "";
    if (py::isinstance<py::bytes>(model)) return model.cast<std::string>();
    if (py::isinstance<py::str>(model)) return model.cast<std::string>();
    // bytearray, memoryview and other buffers.
    return py::bytes(py::module_::import("builtins").attr("bytes")(model)).cast<std::string>();
}

py::object status_object(Status s) {
    return py::module_::import("insitu.status").attr("SmartSimStatus")(to_string(s));
}

template <class T>
void bind_db_objects(py::class_<T, Entity, std::shared_ptr<T>>& c) {
    c.def(
         "add_ml_model",
         [](T& e, const std::string& name, const std::string& backend, const py::object& model,
            const py::object& model_path, const std::string& device, int devices_per_node,
            int first_device, int batch_size, int min_batch_size, int min_batch_timeout,
            const std::string& tag, const py::object& inputs, const py::object& outputs) {
             DBModel m;
             m.name = name;
             m.backend = backend;
             m.model = model_bytes(model);
             m.model_path = model_path.is_none() ? "" : as_str(model_path);
             m.device = device;
             m.devices_per_node = devices_per_node;
             m.first_device = first_device;
             m.batch_size = batch_size;
             m.min_batch_size = min_batch_size;
             m.min_batch_timeout = min_batch_timeout;
             m.tag = tag;
             m.inputs = str_list(inputs);
             m.outputs = str_list(outputs);
             e.add_ml_model(m);
         },
         py::arg("name"), py::arg("backend"), py::arg("model") = py::none(),
         py::arg("model_path") = py::none(), py::arg("device") = "CPU",
         py::arg("devices_per_node") = 1, py::arg("first_device") = 0, py::arg("batch_size") = 0,
         py::arg("min_batch_size") = 0, py::arg("min_batch_timeout") = 0, py::arg("tag") = "",
         py::arg("inputs") = py::none(), py::arg("outputs") = py::none())
        .def(
            "add_script",
            [](T& e, const std::string& name, const py::object& script, const py::object& script_path,
               const std::string& device, int devices_per_node, int first_device) {
                DBScript s;
                s.name = name;
                s.script = script.is_none() ? "" : as_str(script);
                s.script_path = script_path.is_none() ? "" : as_str(script_path);
                s.device = device;
                s.devices_per_node = devices_per_node;
                s.first_device = first_device;
                e.add_script(s);
            },
            py::arg("name"), py::arg("script") = py::none(), py::arg("script_path") = py::none(),
            py::arg("device") = "CPU", py::arg("devices_per_node") = 1, py::arg("first_device") = 0)
        .def(
            "add_function",
            [](T& e, const std::string& name, const py::object& function, const std::string& device,
               int devices_per_node, int first_device) {
                e.add_function(name, function_source(function), device, devices_per_node, first_device);
            },
            py::arg("name"), py::arg("function"), py::arg("device") = "CPU",
            py::arg("devices_per_node") = 1, py::arg("first_device") = 0)
        .def("enable_key_prefixing", &T::enable_key_prefixing)
        .def("disable_key_prefixing", &T::disable_key_prefixing)
        .def("query_key_prefixing", &T::query_key_prefixing)
        .def("register_incoming_entity", &T::register_incoming_entity, py::arg("incoming_entity"))
        .def(
            "attach_generator_files",
            [](T& e, const py::object& to_copy, const py::object& to_symlink, const py::object& to_configure) {
                e.attach_generator_files(str_list(to_copy), str_list(to_symlink), str_list(to_configure));
            },
            py::arg("to_copy") = py::none(), py::arg("to_symlink") = py::none(),
            py::arg("to_configure") = py::none());
}

// colocate_db_tcp / colocate_db_uds keyword arguments beyond the named ones go to the server or
// the module (threads_per_queue, ...), as in SmartSim.
std::map<std::string, std::string> db_args_of(const py::kwargs& kw) {
    std::map<std::string, std::string> out;
    for (auto [k, v] : kw) out[as_str(k)] = as_str(v);
    return out;
}

void colocate_tcp(Model& m, int port, const py::object& ifname, int db_cpus, const py::object& pinning,
                  bool debug, bool limit_app_cpus, const std::string& db_identifier, const py::kwargs& kw) {
    auto ifs = str_list(ifname);
    m.colocate_db_tcp(port, ifs.empty() ? "lo" : ifs[0], db_cpus, pinning_of(pinning), debug,
                      limit_app_cpus, db_identifier, db_args_of(kw));
}


// Waits (GIL released in between) until the applications among `entities` (none: every
// application launched) are done, checking for Ctrl-C every 50 ms like SmartSim's
// kill_on_interrupt: the experiment's processes are stopped and KeyboardInterrupt propagates.
// `verbose_s` > 0 logs the running applications that often (poll's verbose).
void wait_interruptibly(Experiment& e, const EntityList& entities, bool kill_on_interrupt,
                        double verbose_s = 0) {
    EntityList apps;
    for (const auto& x : entities)
        if (!std::dynamic_pointer_cast<Orchestrator>(x)) apps.push_back(x);
    if (!entities.empty() && apps.empty()) return;
    auto next_note = std::chrono::steady_clock::now();
    for (;;) {
        bool done = true;
        {
            py::gil_scoped_release nogil;
            bool note = verbose_s > 0 && std::chrono::steady_clock::now() >= next_note;
            if (note) next_note += std::chrono::milliseconds(static_cast<long>(verbose_s * 1000));
            if (apps.empty()) done = !e.applications_running(note);
            for (const auto& x : apps) done = done && e.finished(*x);
            if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (done) return;
        if (PyErr_CheckSignals() != 0) {
            if (kill_on_interrupt) {
                py::gil_scoped_release nogil;
                e.stop();
            }
            throw py::error_already_set();
        }
    }
}

}  // namespace

void bind_experiment(py::module_& m) {
    py::class_<RunSettings>(m, "RunSettings")
        .def(py::init([](const std::string& exe, const py::object& exe_args, const std::string& run_command,
                         const py::object& run_args, const py::object& env_vars) {
                 return RunSettings{exe, str_list(exe_args), run_command == "auto" ? "" : run_command,
                                    str_map(run_args), str_map(env_vars)};
             }),
             py::arg("exe"), py::arg("exe_args") = py::none(), py::arg("run_command") = "",
             py::arg("run_args") = py::none(), py::arg("env_vars") = py::none())
        .def_readwrite("exe", &RunSettings::exe)
        .def_readwrite("exe_args", &RunSettings::exe_args)
        .def_readwrite("run_command", &RunSettings::run_command)
        .def_readwrite("run_args", &RunSettings::run_args)
        .def_readwrite("env_vars", &RunSettings::env_vars)
        .def("set_tasks", &RunSettings::set_tasks, py::arg("tasks"))
        .def("set_tasks_per_node", &RunSettings::set_tasks_per_node, py::arg("tasks_per_node"))
        .def("set", [](RunSettings& r, const std::string& arg, const py::object& value) { r.set(arg, as_str(value)); },
             py::arg("arg"), py::arg("value") = py::none())
        .def("add_exe_args", [](RunSettings& r, const py::object& args) { r.add_exe_args(str_list(args)); },
             py::arg("args"))
        .def("update_env", [](RunSettings& r, const py::object& env) { r.update_env(str_map(env)); },
             py::arg("env_vars"))
        .def("tasks", &RunSettings::tasks)
        // Written as the run command's own arguments (srun --nodes, mpirun --np, ...).
        .def("set_nodes", &RunSettings::set_nodes, py::arg("nodes"))
        .def("set_cpus_per_task", &RunSettings::set_cpus_per_task, py::arg("cpus_per_task"))
        .def("set_hostlist", [](RunSettings& r, const py::object& h) { r.set_hostlist(str_list(h)); },
             py::arg("host_list"))
        .def("set_excluded_hosts", [](RunSettings& r, const py::object& h) { r.set_excluded_hosts(str_list(h)); },
             py::arg("host_list"))
        .def("set_cpu_bindings", &RunSettings::set_cpu_bindings, py::arg("bindings"))
        .def("set_memory_per_node", &RunSettings::set_memory_per_node, py::arg("memory_per_node"))
        .def("set_walltime", &RunSettings::set_walltime, py::arg("walltime"))
        .def("set_mpi", &RunSettings::set_mpi, py::arg("mpi"))
        .def("make_mpmd", &RunSettings::make_mpmd, py::arg("settings"))
        .def("set_start_timeout", &RunSettings::set_start_timeout, py::arg("seconds"))
        .def("__repr__", [](const RunSettings& r) {
            std::string s = r.run_command.empty() ? "" : r.run_command + " ";
            s += r.exe;
            for (const auto& a : r.exe_args) s += " " + a;
            return "<RunSettings " + s + ">";
        });

    py::class_<BatchSettings>(m, "BatchSettings")
        .def_readwrite("batch_cmd", &BatchSettings::batch_command)
        .def_readwrite("batch_args", &BatchSettings::batch_args)
        .def_readwrite("preamble", &BatchSettings::preamble)
        .def("set_nodes", &BatchSettings::set_nodes, py::arg("num_nodes"))
        .def("set_walltime", &BatchSettings::set_walltime, py::arg("walltime"))
        .def("set_queue", &BatchSettings::set_queue, py::arg("queue"))
        .def("set_partition", &BatchSettings::set_queue, py::arg("partition"))
        .def("set_account", &BatchSettings::set_account, py::arg("account"))
        .def("set_ncpus", &BatchSettings::set_ncpus, py::arg("num_cpus"))
        .def("set_resource", &BatchSettings::set_resource, py::arg("name"), py::arg("value"))
        .def("set_batch_arg", [](BatchSettings& b, const std::string& k, const py::object& v) {
                 b.set_batch_arg(k, v.is_none() ? "" : as_str(v));
             },
             py::arg("name"), py::arg("value") = py::none())
        .def("add_preamble", [](BatchSettings& b, const py::object& lines) {
                 if (py::isinstance<py::str>(lines)) b.add_preamble({as_str(lines)});
                 else b.add_preamble(str_list(lines));
             },
             py::arg("lines"));

    py::class_<Entity, std::shared_ptr<Entity>>(m, "Entity")
        .def_property_readonly("name", &Entity::name)
        .def_property_readonly("path", &Entity::path)
        .def_property_readonly("type", &Entity::type)
        .def("__repr__", [](const Entity& e) { return "<" + e.type() + " " + e.name() + ">"; });

    py::class_<Model, Entity, std::shared_ptr<Model>> model(m, "Model");
    model.def_property_readonly("params", &Model::params)
        .def_property_readonly("run_settings", py::overload_cast<>(&Model::run_settings),
                               py::return_value_policy::reference_internal)
        .def_property_readonly("is_colocated", &Model::is_colocated)
        .def_property_readonly("db_models", [](const Model& x) {
            std::vector<std::string> n;
            for (const auto& d : x.db_models()) n.push_back(d.name);
            return n;
        })
        .def_property_readonly("db_scripts", [](const Model& x) {
            std::vector<std::string> n;
            for (const auto& d : x.db_scripts()) n.push_back(d.name);
            return n;
        })
        .def("colocate_db_tcp", &colocate_tcp, py::arg("port") = 6379, py::arg("ifname") = "lo",
             py::arg("db_cpus") = 1, py::arg("custom_pinning") = py::none(), py::arg("debug") = false,
             py::arg("limit_app_cpus") = false, py::arg("db_identifier") = "")
        // SmartSim's deprecated alias of colocate_db_tcp (the seed drivers use it).
        .def("colocate_db", &colocate_tcp, py::arg("port") = 6379, py::arg("ifname") = "lo",
             py::arg("db_cpus") = 1, py::arg("custom_pinning") = py::none(), py::arg("debug") = false,
             py::arg("limit_app_cpus") = false, py::arg("db_identifier") = "")
        .def(
            "colocate_db_uds",
            [](Model& x, const std::string& unix_socket, int socket_permissions, int db_cpus,
               const py::object& pinning, bool debug, bool limit_app_cpus, const std::string& db_identifier,
               const py::kwargs& kw) {
                x.colocate_db_uds(unix_socket, socket_permissions, db_cpus, pinning_of(pinning), debug,
                                  limit_app_cpus, db_identifier, db_args_of(kw));
            },
            py::arg("unix_socket") = "/tmp/redis.socket", py::arg("socket_permissions") = 755,
            py::arg("db_cpus") = 1, py::arg("custom_pinning") = py::none(), py::arg("debug") = false,
            py::arg("limit_app_cpus") = false, py::arg("db_identifier") = "");
    model.def("set_batch_settings", &Model::set_batch_settings, py::arg("batch_settings"));
    bind_db_objects(model);

    py::class_<Ensemble, Entity, std::shared_ptr<Ensemble>> ensemble(m, "Ensemble");
    ensemble.def_property_readonly("models", &Ensemble::models)
        .def_property_readonly("entities", &Ensemble::models)
        .def("add_model", &Ensemble::add_model, py::arg("model"))
        .def("set_batch_settings", &Ensemble::set_batch_settings, py::arg("batch_settings"));
    bind_db_objects(ensemble);

    py::class_<Orchestrator, Entity, std::shared_ptr<Orchestrator>>(m, "Orchestrator")
        .def("get_address", &Orchestrator::get_address)
        .def("is_active", &Orchestrator::is_active, py::call_guard<py::gil_scoped_release>())
        .def_property_readonly("num_shards", &Orchestrator::num_shards)
        .def_property_readonly("db_nodes", &Orchestrator::num_shards)
        .def_property_readonly("db_identifier", &Orchestrator::db_identifier)
        .def_property_readonly("is_clustered", &Orchestrator::is_clustered)
        .def("enable_checkpoints", &Orchestrator::enable_checkpoints, py::arg("frequency"))
        .def("set_max_memory", &Orchestrator::set_max_memory, py::arg("mem"))
        .def("set_eviction_strategy", &Orchestrator::set_eviction_strategy, py::arg("strategy"))
        .def("set_max_clients", &Orchestrator::set_max_clients, py::arg("clients") = 50000)
        .def("set_max_message_size", &Orchestrator::set_max_message_size,
             py::arg("size") = 1LL << 30)
        .def("set_batch_settings", &Orchestrator::set_batch_settings, py::arg("batch_settings"))
        .def("set_db_conf", [](Orchestrator& o, const std::string& k, const py::object& v) { o.set_db_conf(k, as_str(v)); },
             py::arg("key"), py::arg("value"));

    py::class_<Experiment>(m, "Experiment")
        .def(py::init([](const std::string& name, const py::object& exp_path, const std::string& launcher) {
                 // "auto" detects a workload manager (SLURM_JOB_ID, ...) and falls back to local.
                 return std::make_unique<Experiment>(name, exp_path.is_none() ? "" : as_str(exp_path),
                                                     launcher);
             }),
             py::arg("name"), py::arg("exp_path") = py::none(), py::arg("launcher") = "local")
        .def_property_readonly("name", &Experiment::name)
        .def_property_readonly("exp_path", &Experiment::exp_path)
        .def_property_readonly("launcher", &Experiment::launcher)
        .def("set_start_timeout", &Experiment::set_start_timeout, py::arg("seconds"))
        .def(
            "create_run_settings",
            [](const Experiment& e, const std::string& exe, const py::object& exe_args,
               const std::string& run_command, const py::object& run_args, const py::object& env_vars,
               const py::kwargs&) {
                return e.create_run_settings(exe, str_list(exe_args), run_command, str_map(run_args),
                                             str_map(env_vars));
            },
            py::arg("exe"), py::arg("exe_args") = py::none(), py::arg("run_command") = "auto",
            py::arg("run_args") = py::none(), py::arg("env_vars") = py::none())
        .def(
            "create_batch_settings",
            [](const Experiment& e, int nodes, const std::string& time, const std::string& queue,
               const std::string& account, const py::object& batch_args) {
                return e.create_batch_settings(nodes, time, queue, account, str_map(batch_args));
            },
            py::arg("nodes") = 1, py::arg("time") = "", py::arg("queue") = "", py::arg("account") = "",
            py::arg("batch_args") = py::none())
        .def(
            "create_model",
            [](Experiment& e, const std::string& name, const RunSettings& rs, const py::object& params,
               const py::object& path, bool prefix) {
                return e.create_model(name, rs, str_map(params), path.is_none() ? "" : as_str(path), prefix);
            },
            py::arg("name"), py::arg("run_settings"), py::arg("params") = py::none(),
            py::arg("path") = py::none(), py::arg("enable_key_prefixing") = false)
        .def(
            "create_ensemble",
            [](Experiment& e, const std::string& name, const py::object& params, const py::object& run_settings,
               const py::object& replicas, const std::string& perm_strategy, const py::object& path) {
                std::map<std::string, std::vector<std::string>> p;
                if (!params.is_none())
                    for (auto [k, v] : params.cast<py::dict>()) p[as_str(k)] = str_list(py::reinterpret_borrow<py::object>(v));
                if (run_settings.is_none()) throw py::value_error("create_ensemble needs run_settings");
                return e.create_ensemble(name, p, run_settings.cast<RunSettings>(),
                                         replicas.is_none() ? 0 : replicas.cast<int>(), perm_strategy,
                                         path.is_none() ? "" : as_str(path));
            },
            py::arg("name"), py::arg("params") = py::none(), py::arg("run_settings") = py::none(),
            py::arg("replicas") = py::none(), py::arg("perm_strategy") = "all_perm", py::arg("path") = py::none())
        .def(
            "create_database",
            [](Experiment& e, int port, int db_nodes, const py::object& interface, const std::string& db_identifier,
               int threads_per_queue, int inter_op_threads, int intra_op_threads, const py::kwargs&) {
                auto ifs = str_list(interface);
                return e.create_database(port, db_nodes, ifs.empty() ? "lo" : ifs[0], db_identifier,
                                         threads_per_queue, inter_op_threads, intra_op_threads);
            },
            py::arg("port") = 6379, py::arg("db_nodes") = 1, py::arg("interface") = "lo",
            py::arg("db_identifier") = "orchestrator", py::arg("threads_per_queue") = 0,
            py::arg("inter_op_threads") = 0, py::arg("intra_op_threads") = 0)
        .def(
            "generate",
            [](Experiment& e, const py::args& entities, const py::object& tag, bool overwrite, const py::kwargs&) {
                e.generate(entities_of(entities), overwrite, tag.is_none() ? ";" : as_str(tag));
            },
            py::arg("tag") = py::none(), py::arg("overwrite") = false)
        .def(
            "start",
            [](Experiment& e, const py::args& entities, bool block, bool summary, bool kill_on_interrupt,
               const py::kwargs&) {
                EntityList list = entities_of(entities);
                {
                    py::gil_scoped_release nogil;
                    e.start(list, false);
                }
                if (block) wait_interruptibly(e, list, kill_on_interrupt);
                if (summary) py::print(e.summary());
            },
            py::arg("block") = true, py::arg("summary") = false, py::arg("kill_on_interrupt") = true)
        .def(
            "poll",
            [](Experiment& e, double interval, bool verbose, bool kill_on_interrupt) {
                wait_interruptibly(e, {}, kill_on_interrupt, verbose ? interval : 0);
            },
            py::arg("interval") = 10.0, py::arg("verbose") = true, py::arg("kill_on_interrupt") = true)
        .def(
            "finished",
            [](Experiment& e, const EntityPtr& x) {
                py::gil_scoped_release nogil;
                return e.finished(*x);
            },
            py::arg("entity"))
        .def("get_status",
             [](Experiment& e, const py::args& entities) {
                 std::vector<Status> st;
                 {
                     EntityList list = entities_of(entities);
                     py::gil_scoped_release nogil;
                     for (const auto& x : list) {
                         auto s = e.get_status(*x);
                         st.insert(st.end(), s.begin(), s.end());
                     }
                 }
                 py::list out;
                 for (Status s : st) out.append(status_object(s));
                 return out;
             })
        .def("get_returncodes",
             [](Experiment& e, const EntityPtr& x) {
                 py::gil_scoped_release nogil;
                 return e.get_returncodes(*x);
             },
             py::arg("entity"))
        .def("stop",
             [](Experiment& e, const py::args& entities) {
                 EntityList list = entities_of(entities);
                 py::gil_scoped_release nogil;
                 e.stop(list);
             })
        .def(
            "summary", [](const Experiment& e, const std::string&) { return e.summary(); },
            py::arg("style") = "github")
        .def("__repr__", [](const Experiment& e) { return "<Experiment " + e.name() + " at " + e.exp_path() + ">"; });
}

}  // namespace insitu::python
