// _insitu.Experiment and the entities: the C++ Experiment API (insitu/experiment.h) with
// SmartSim's Python signatures, so that a SmartSim driver runs with only its import changed.
// Calls that wait on processes or databases release the GIL.
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bindings.h"

namespace py = pybind11;

namespace insitu::python {
namespace {

// Python values as the strings the C++ API takes: None -> "", numbers and strings via str().
std::string as_str(const py::handle& v) {
    return v.is_none() ? "" : py::str(v).cast<std::string>();
}

std::vector<std::string> str_list(const py::object& v) {
    std::vector<std::string> out;
    if (v.is_none()) return out;
    if (py::isinstance<py::str>(v)) return {v.cast<std::string>()};
    for (auto x : v) out.push_back(as_str(x));
    return out;
}

// SmartSim's exe_args: a string is split on whitespace ("producer.py --port 6899" is two
// arguments), a list is taken item by item.
std::vector<std::string> exe_args_of(const py::object& v) {
    std::vector<std::string> out;
    if (v.is_none()) return out;
    if (py::isinstance<py::str>(v)) return v.attr("split")().cast<std::vector<std::string>>();
    if (py::isinstance<py::bytes>(v))
        throw py::type_error("Executable arguments were not list of str or str");
    for (auto x : v) {
        if (!py::isinstance<py::str>(x) && !py::isinstance<py::int_>(x) &&
            !py::isinstance<py::float_>(x))
            throw py::type_error("Executable arguments were not list of str or str");
        out.push_back(as_str(x));
    }
    return out;
}

// Warnings go through insitu.log's logger, as SmartSim's go through smartsim.log's.
void log_at(const char* level, const std::string& msg) {
    py::module_::import("insitu.log").attr("get_logger")("insitu.settings").attr(level)(msg);
}

// SmartSim's RunSettings setters log a warning and do nothing where the run command has no such
// argument (the base RunSettings of the local launcher has none); insitu's C++ setters refuse
// with UnsupportedError ("... is not available for run command ..."). Bad values still raise.
template <class F>
void set_or_warn(RunSettings& r, const std::string& what, F&& apply) {
    std::string why;
    if (r.run_command.empty()) {
        why = "no run command";
    } else {
        try {
            apply();
            return;
        } catch (const UnsupportedError& e) {
            why = e.what();
        }
    }
    log_at("warning", what + " specification not implemented for this RunSettings type (" + why +
                          "); ignored");
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
        if (py::isinstance<py::int_>(x))
            cpus.push_back(x.cast<int>());
        else
            for (auto y : x) cpus.push_back(y.cast<int>());
    }
    return cpus;
}

// A function object's source (SmartRedis's set_function sends inspect.getsource).
std::string function_source(const py::object& f) {
    if (py::isinstance<py::str>(f)) return f.cast<std::string>();
    if (!PyCallable_Check(f.ptr()))
        throw py::type_error("add_function: function must be a callable or its source");
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
            [](T& e, const std::string& name, const py::object& script,
               const py::object& script_path, const std::string& device, int devices_per_node,
               int first_device) {
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
                e.add_function(name, function_source(function), device, devices_per_node,
                               first_device);
            },
            py::arg("name"), py::arg("function"), py::arg("device") = "CPU",
            py::arg("devices_per_node") = 1, py::arg("first_device") = 0)
        .def("enable_key_prefixing", &T::enable_key_prefixing)
        .def("disable_key_prefixing", &T::disable_key_prefixing)
        .def("query_key_prefixing", &T::query_key_prefixing)
        .def("register_incoming_entity", &T::register_incoming_entity, py::arg("incoming_entity"))
        .def(
            "attach_generator_files",
            [](T& e, const py::object& to_copy, const py::object& to_symlink,
               const py::object& to_configure) {
                e.attach_generator_files(str_list(to_copy), str_list(to_symlink),
                                         str_list(to_configure));
            },
            py::arg("to_copy") = py::none(), py::arg("to_symlink") = py::none(),
            py::arg("to_configure") = py::none());
}

// colocate_db_tcp / colocate_db_uds keyword arguments beyond the named ones go to the server or
// the module (threads_per_queue, ...), as in SmartSim.
// `insecure` is insitu's own (no authentication; docs/security.md), not a server argument.
std::map<std::string, std::string> db_args_of(const py::kwargs& kw) {
    if (kw.contains("tls") && kw["tls"].cast<bool>())
        throw UnsupportedError(
            "tls=True is not supported for co-located databases yet (their clients are on the "
            "same node: use colocate_db_uds, whose socket only this user can open)");
    std::map<std::string, std::string> out;
    for (auto [k, v] : kw)
        if (as_str(k) != "insecure" && as_str(k) != "tls") out[as_str(k)] = as_str(v);
    return out;
}

bool insecure_of(const py::kwargs& kw) {
    return kw.contains("insecure") && kw["insecure"].cast<bool>();
}

// insitu's own too: serve TLS only (OrchestratorOptions::tls).
bool tls_of(const py::kwargs& kw) {
    return kw.contains("tls") && kw["tls"].cast<bool>();
}

// insitu's own too: replicas per primary (OrchestratorOptions::replicas).
int replicas_of(const py::kwargs& kw) {
    return kw.contains("replicas") && !kw["replicas"].is_none() ? kw["replicas"].cast<int>() : 0;
}

void colocate_tcp(Model& m, int port, const py::object& ifname, int db_cpus,
                  const py::object& pinning, bool debug, bool limit_app_cpus,
                  const std::string& db_identifier, const py::kwargs& kw) {
    auto ifs = str_list(ifname);
    m.colocate_db_tcp(port, ifs.empty() ? "lo" : ifs[0], db_cpus, pinning_of(pinning), debug,
                      limit_app_cpus, db_identifier, db_args_of(kw), insecure_of(kw));
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
        .def(py::init([](const std::string& exe, const py::object& exe_args,
                         const py::object& run_command, const py::object& run_args,
                         const py::object& env_vars, const py::object& container,
                         const py::kwargs&) {
                 if (!container.is_none())
                     throw UnsupportedError("RunSettings: containers are not supported by insitu");
                 std::string rc = run_command.is_none() ? "" : as_str(run_command);
                 return RunSettings{exe, exe_args_of(exe_args), rc == "auto" ? "" : rc,
                                    str_map(run_args), str_map(env_vars)};
             }),
             py::arg("exe"), py::arg("exe_args") = py::none(), py::arg("run_command") = "",
             py::arg("run_args") = py::none(), py::arg("env_vars") = py::none(),
             py::arg("container") = py::none())
        .def_readwrite("exe", &RunSettings::exe)
        .def_property(
            "exe_args", [](const RunSettings& r) { return r.exe_args; },
            [](RunSettings& r, const py::object& v) { r.exe_args = exe_args_of(v); })
        // SmartSim's run_command is None when the executable runs directly.
        .def_property(
            "run_command",
            [](const RunSettings& r) -> py::object {
                if (r.run_command.empty()) return py::none();
                return py::str(r.run_command);
            },
            [](RunSettings& r, const py::object& v) {
                r.run_command = v.is_none() ? "" : as_str(v);
            })
        .def_readwrite("run_args", &RunSettings::run_args)
        .def_readwrite("env_vars", &RunSettings::env_vars)
        .def_property_readonly("colocated_db_settings",
                               [](const RunSettings&) { return py::none(); })
        .def(
            "set_tasks",
            [](RunSettings& r, int n) { set_or_warn(r, "Task", [&] { r.set_tasks(n); }); },
            py::arg("tasks"))
        .def(
            "set_tasks_per_node",
            [](RunSettings& r, int n) {
                set_or_warn(r, "Task per node", [&] { r.set_tasks_per_node(n); });
            },
            py::arg("tasks_per_node"))
        .def(
            "set_nodes",
            [](RunSettings& r, int n) { set_or_warn(r, "Node", [&] { r.set_nodes(n); }); },
            py::arg("nodes"))
        .def(
            "set_cpus_per_task",
            [](RunSettings& r, int n) {
                set_or_warn(r, "CPU per node", [&] { r.set_cpus_per_task(n); });
            },
            py::arg("cpus_per_task"))
        .def(
            "set_hostlist",
            [](RunSettings& r, const py::object& h) {
                set_or_warn(r, "Hostlist", [&] { r.set_hostlist(str_list(h)); });
            },
            py::arg("host_list"))
        .def(
            "set_hostlist_from_file",
            [](RunSettings& r, const std::string& path) {
                set_or_warn(r, "Hostlist from file", [&] {
                    if (r.run_command != "mpirun" && r.run_command != "mpiexec" &&
                        r.run_command != "orterun")
                        throw UnsupportedError(
                            "set_hostlist_from_file is not available for run command '" +
                            r.run_command + "'");
                    r.set("hostfile", path);
                });
            },
            py::arg("file_path"))
        .def(
            "set_excluded_hosts",
            [](RunSettings& r, const py::object& h) {
                set_or_warn(r, "Excluded host list", [&] { r.set_excluded_hosts(str_list(h)); });
            },
            py::arg("host_list"))
        .def(
            "set_cpu_bindings",
            [](RunSettings& r, const py::object& b) {
                std::vector<int> cpus;
                if (py::isinstance<py::int_>(b))
                    cpus.push_back(b.cast<int>());
                else
                    for (auto x : b) cpus.push_back(x.cast<int>());
                set_or_warn(r, "CPU binding", [&] { r.set_cpu_bindings(cpus); });
            },
            py::arg("bindings"))
        .def(
            "set_memory_per_node",
            [](RunSettings& r, int mb) {
                set_or_warn(r, "Memory per node", [&] { r.set_memory_per_node(mb); });
            },
            py::arg("memory_per_node"))
        .def(
            "set_walltime",
            [](RunSettings& r, const std::string& t) {
                set_or_warn(r, "Walltime", [&] { r.set_walltime(t); });
            },
            py::arg("walltime"))
        .def(
            "set_time",
            [](RunSettings& r, int hours, int minutes, int seconds) {
                char t[32];
                std::snprintf(t, sizeof t, "%02d:%02d:%02d", hours, minutes, seconds);
                set_or_warn(r, "Walltime", [&] { r.set_walltime(t); });
            },
            py::arg("hours") = 0, py::arg("minutes") = 0, py::arg("seconds") = 0)
        .def(
            "set_mpi",
            [](RunSettings& r, const std::string& mpi) {
                set_or_warn(r, "MPI", [&] { r.set_mpi(mpi); });
            },
            py::arg("mpi"))
        .def(
            "make_mpmd",
            [](RunSettings& r, const RunSettings& other) {
                set_or_warn(r, "Make MPMD", [&] { r.make_mpmd(other); });
            },
            py::arg("settings"))
        // SmartSim's base RunSettings has these and only warns; so does insitu for every run
        // command.
        .def(
            "set_task_map",
            [](RunSettings& r, const py::object&) {
                set_or_warn(r, "Task mapping", [&] {
                    throw UnsupportedError("task mapping is not available for run command '" +
                                           r.run_command + "'");
                });
            },
            py::arg("task_mapping"))
        .def(
            "set_verbose_launch",
            [](RunSettings& r, bool v) {
                set_or_warn(r, "Verbose", [&] {
                    if (r.run_command != "srun")
                        throw UnsupportedError("verbose is not available for run command '" +
                                               r.run_command + "'");
                    if (v)
                        r.set("verbose");
                    else
                        r.run_args.erase("verbose");
                });
            },
            py::arg("verbose"))
        .def(
            "set_quiet_launch",
            [](RunSettings& r, bool q) {
                set_or_warn(r, "Quiet", [&] {
                    if (r.run_command != "srun")
                        throw UnsupportedError("quiet is not available for run command '" +
                                               r.run_command + "'");
                    if (q)
                        r.set("quiet");
                    else
                        r.run_args.erase("quiet");
                });
            },
            py::arg("quiet"))
        .def(
            "set_broadcast",
            [](RunSettings& r, const py::object&) {
                set_or_warn(r, "Broadcast", [&] {
                    throw UnsupportedError("broadcast is not available for run command '" +
                                           r.run_command + "'");
                });
            },
            py::arg("dest_path") = py::none())
        .def(
            "set_binding",
            [](RunSettings& r, const std::string&) {
                set_or_warn(r, "binding", [&] {
                    throw UnsupportedError("binding is not available for run command '" +
                                           r.run_command + "'");
                });
            },
            py::arg("binding"))
        .def(
            "set_mpmd_preamble",
            [](RunSettings& r, const py::object&) {
                set_or_warn(r, "MPMD preamble", [&] {
                    throw UnsupportedError("an MPMD preamble is not available for run command '" +
                                           r.run_command + "'");
                });
            },
            py::arg("preamble_lines"))
        // SmartSim's set(): leading dashes dropped, a false condition skips it (logged), a new
        // value for an argument already set is logged and applied.
        .def(
            "set",
            [](RunSettings& r, const std::string& arg, const py::object& value, bool condition) {
                std::string a = arg;
                while (!a.empty() && std::isspace(static_cast<unsigned char>(a.back())))
                    a.pop_back();
                std::size_t b = a.find_first_not_of(" \t");
                a = b == std::string::npos ? "" : a.substr(b);
                a.erase(0, a.find_first_not_of('-') == std::string::npos
                               ? a.size()
                               : a.find_first_not_of('-'));
                if (a.empty()) throw ConfigError("RunSettings.set: empty argument name");
                if (!value.is_none() && !py::isinstance<py::str>(value))
                    throw py::type_error("Argument value should be of type str or None");
                if (!condition) {
                    log_at("info", "Could not set argument '" + a + "': condition not met");
                    return;
                }
                std::string v = as_str(value);
                auto it = r.run_args.find(a);
                if (it != r.run_args.end() && it->second != v)
                    log_at("warning", "Overwritting argument '" + a + "' with value '" + v + "'");
                r.set(a, v);
            },
            py::arg("arg"), py::arg("value") = py::none(), py::arg("condition") = true)
        .def(
            "add_exe_args",
            [](RunSettings& r, const py::object& args) { r.add_exe_args(exe_args_of(args)); },
            py::arg("args"))
        .def(
            "update_env",
            [](RunSettings& r, const py::dict& env) {
                for (auto [k, v] : env) {
                    if (!py::isinstance<py::str>(v) && !py::isinstance<py::int_>(v) &&
                        !py::isinstance<py::float_>(v))
                        throw py::type_error("env_vars[" + as_str(k) + "] was of type " +
                                             py::str(py::type::of(v)).cast<std::string>() +
                                             ", not (str, int, float, bool)");
                }
                r.update_env(str_map(env));
            },
            py::arg("env_vars"))
        .def("format_run_args",
             [](const RunSettings& r) {
                 std::vector<std::string> out;
                 for (const auto& [k, v] : r.run_args) {
                     out.push_back(k);
                     out.push_back(v.empty() ? "None" : v);
                 }
                 return out;
             })
        .def("format_env_vars",
             [](const RunSettings& r) {
                 std::vector<std::string> out;
                 for (const auto& [k, v] : r.env_vars) out.push_back(k + "=" + v);
                 return out;
             })
        .def("set_start_timeout", &RunSettings::set_start_timeout, py::arg("seconds"))
        .def("tasks", &RunSettings::tasks)
        .def("__str__",
             [](const RunSettings& r) {
                 std::string s = "Executable: " + r.exe + "\nExecutable Arguments: ";
                 for (std::size_t i = 0; i < r.exe_args.size(); ++i)
                     s += (i ? " " : "") + r.exe_args[i];
                 if (!r.run_command.empty()) s += "\nRun Command: " + r.run_command;
                 if (!r.run_args.empty()) {
                     s += "\nRun Arguments:";
                     for (const auto& [k, v] : r.run_args)
                         s += "\n    " + k + " = " + (v.empty() ? "None" : v);
                 }
                 return s;
             })
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
        .def(
            "set_batch_arg",
            [](BatchSettings& b, const std::string& k, const py::object& v) {
                b.set_batch_arg(k, v.is_none() ? "" : as_str(v));
            },
            py::arg("name"), py::arg("value") = py::none())
        .def(
            "add_preamble",
            [](BatchSettings& b, const py::object& lines) {
                if (py::isinstance<py::str>(lines))
                    b.add_preamble({as_str(lines)});
                else
                    b.add_preamble(str_list(lines));
            },
            py::arg("lines"));

    py::class_<Entity, std::shared_ptr<Entity>>(m, "Entity")
        .def_property_readonly("name", &Entity::name)
        .def_property_readonly("path", &Entity::path)
        .def_property_readonly("type", &Entity::type)
        .def("__repr__", [](const Entity& e) { return "<" + e.type() + " " + e.name() + ">"; });

    // SmartSim's DBModel / DBScript: what add_ml_model / add_script / add_function attached.
    py::class_<DBModel>(m, "DBModel")
        .def_readonly("name", &DBModel::name)
        .def_readonly("backend", &DBModel::backend)
        .def_property_readonly("model", [](const DBModel& d) { return py::bytes(d.model); })
        .def_property_readonly("file",
                               [](const DBModel& d) -> py::object {
                                   if (d.model_path.empty()) return py::none();
                                   return py::str(d.model_path);
                               })
        .def_property_readonly("is_file", [](const DBModel& d) { return !d.model_path.empty(); })
        .def_readonly("device", &DBModel::device)
        .def_readonly("devices_per_node", &DBModel::devices_per_node)
        .def_readonly("first_device", &DBModel::first_device)
        .def_readonly("batch_size", &DBModel::batch_size)
        .def_readonly("min_batch_size", &DBModel::min_batch_size)
        .def_readonly("min_batch_timeout", &DBModel::min_batch_timeout)
        .def_readonly("tag", &DBModel::tag)
        .def_readonly("inputs", &DBModel::inputs)
        .def_readonly("outputs", &DBModel::outputs)
        .def("__repr__", [](const DBModel& d) {
            return "<DBModel " + d.name + " " + d.backend + " " + d.device + ">";
        });
    py::class_<DBScript>(m, "DBScript")
        .def_readonly("name", &DBScript::name)
        .def_property_readonly("script",
                               [](const DBScript& d) -> py::object {
                                   if (d.script.empty()) return py::none();
                                   return py::str(d.script);
                               })
        .def_property_readonly("file",
                               [](const DBScript& d) -> py::object {
                                   if (d.script_path.empty()) return py::none();
                                   return py::str(d.script_path);
                               })
        .def_property_readonly("is_file", [](const DBScript& d) { return !d.script_path.empty(); })
        .def_readonly("device", &DBScript::device)
        .def_readonly("devices_per_node", &DBScript::devices_per_node)
        .def_readonly("first_device", &DBScript::first_device)
        .def("__repr__",
             [](const DBScript& d) { return "<DBScript " + d.name + " " + d.device + ">"; });

    // dynamic_attr: insitu.experiment adds SmartSim's Python-side members (telemetry, ...).
    py::class_<Model, Entity, std::shared_ptr<Model>> model(m, "Model", py::dynamic_attr());
    // SmartSim's Model(name, params, run_settings, path, params_as_args, batch_settings).
    model
        .def(py::init([](const std::string& name, const py::object& params, const RunSettings& rs,
                         const py::object& path, const py::object& params_as_args,
                         const py::object& batch_settings) {
                 std::string p =
                     path.is_none() ? py::module_::import("os").attr("getcwd")().cast<std::string>()
                                    : as_str(path);
                 p = py::module_::import("os.path").attr("abspath")(p).cast<std::string>();
                 auto x = std::make_shared<Model>(name, rs, str_map(params), p);
                 x->set_params_as_args(str_list(params_as_args));
                 if (!batch_settings.is_none())
                     x->set_batch_settings(batch_settings.cast<BatchSettings>());
                 return x;
             }),
             py::arg("name"), py::arg("params"), py::arg("run_settings"),
             py::arg("path") = py::none(), py::arg("params_as_args") = py::none(),
             py::arg("batch_settings") = py::none())
        .def_property_readonly("params", &Model::params)
        .def_property_readonly("run_settings", py::overload_cast<>(&Model::run_settings),
                               py::return_value_policy::reference_internal)
        .def_property_readonly("is_colocated", &Model::is_colocated)
        .def_property_readonly("colocated", &Model::is_colocated)
        .def_property_readonly("batch_settings",
                               [](const Model& x) -> py::object {
                                   if (!x.batch_settings()) return py::none();
                                   return py::cast(*x.batch_settings());
                               })
        .def_property(
            "params_as_args", [](const Model& x) { return x.params_as_args(); },
            [](Model& x, const py::object& v) { x.set_params_as_args(str_list(v)); })
        .def("params_to_args", &Model::params_to_args)
        .def_property_readonly("incoming_entities", &Model::incoming_entities)
        .def(
            "set_path", [](Model& x, const std::string& p) { x.set_path(p); }, py::arg("new_path"))
        .def_property_readonly("db_models", [](const Model& x) { return x.db_models(); })
        .def_property_readonly("db_scripts", [](const Model& x) { return x.db_scripts(); })
        .def_property_readonly(
            "files",
            [](const Model& x) -> py::object {
                const auto& f = x.files();
                if (f.to_copy.empty() && f.to_symlink.empty() && f.to_configure.empty())
                    return py::none();
                py::dict d;
                d["copy"] = f.to_copy;
                d["link"] = f.to_symlink;
                d["tagged"] = f.to_configure;
                return d;
            })
        .def("__eq__",
             [](const Model& a, const py::object& b) {
                 return py::isinstance<Model>(b) && a.name() == b.cast<const Model&>().name();
             })
        .def("__hash__", [](const Model& a) { return std::hash<std::string>{}(a.name()); })
        .def("__str__", [](const Model& x) { return x.name(); })
        .def("colocate_db_tcp", &colocate_tcp, py::arg("port") = 6379, py::arg("ifname") = "lo",
             py::arg("db_cpus") = 1, py::arg("custom_pinning") = py::none(),
             py::arg("debug") = false, py::arg("limit_app_cpus") = false,
             py::arg("db_identifier") = "")
        // SmartSim's deprecated alias of colocate_db_tcp (the seed drivers use it).
        .def("colocate_db", &colocate_tcp, py::arg("port") = 6379, py::arg("ifname") = "lo",
             py::arg("db_cpus") = 1, py::arg("custom_pinning") = py::none(),
             py::arg("debug") = false, py::arg("limit_app_cpus") = false,
             py::arg("db_identifier") = "")
        .def(
            "colocate_db_uds",
            [](Model& x, const std::string& unix_socket, int socket_permissions, int db_cpus,
               const py::object& pinning, bool debug, bool limit_app_cpus,
               const std::string& db_identifier, const py::kwargs& kw) {
                x.colocate_db_uds(unix_socket, socket_permissions, db_cpus, pinning_of(pinning),
                                  debug, limit_app_cpus, db_identifier, db_args_of(kw),
                                  insecure_of(kw));
            },
            py::arg("unix_socket") = "/tmp/redis.socket", py::arg("socket_permissions") = 755,
            py::arg("db_cpus") = 1, py::arg("custom_pinning") = py::none(),
            py::arg("debug") = false, py::arg("limit_app_cpus") = false,
            py::arg("db_identifier") = "");
    model.def("set_batch_settings", &Model::set_batch_settings, py::arg("batch_settings"));
    // "app" (default), "reader" or "admin": the database user the application gets.
    model.def("set_db_role", &Model::set_db_role, py::arg("role"));
    model.def_property_readonly("db_role", &Model::db_role);
    bind_db_objects(model);

    // The members are built by insitu.Ensemble (Python), which derives from this class.
    py::class_<Ensemble, Entity, std::shared_ptr<Ensemble>> ensemble(m, "_EnsembleBase");
    ensemble
        .def(py::init([](const std::string& name, const std::string& path) {
                 return std::make_shared<Ensemble>(name, path);
             }),
             py::arg("name"), py::arg("path"))
        .def_property_readonly("models", &Ensemble::models)
        .def_property_readonly("entities", &Ensemble::models)
        .def_property_readonly("db_models", [](const Ensemble& x) { return x.db_models(); })
        .def_property_readonly("db_scripts", [](const Ensemble& x) { return x.db_scripts(); })
        .def_property_readonly("batch",
                               [](const Ensemble& x) { return x.batch_settings().has_value(); })
        .def_property_readonly("batch_settings",
                               [](const Ensemble& x) -> py::object {
                                   if (!x.batch_settings()) return py::none();
                                   return py::cast(*x.batch_settings());
                               })
        .def("add_model", &Ensemble::add_model, py::arg("model"))
        .def("set_batch_settings", &Ensemble::set_batch_settings, py::arg("batch_settings"))
        .def("__len__", [](const Ensemble& x) { return x.models().size(); })
        .def(
            "__iter__",
            [](const Ensemble& x) {
                return py::make_iterator(x.models().begin(), x.models().end());
            },
            py::keep_alive<0, 1>())
        // SmartSim looks members up by name (None when there is none); an index works too.
        .def("__getitem__",
             [](const Ensemble& x, const py::object& key) -> py::object {
                 if (py::isinstance<py::int_>(key)) {
                     auto n = static_cast<long>(x.models().size());
                     long i = key.cast<long>();
                     if (i < 0) i += n;
                     if (i < 0 || i >= n)
                         throw py::index_error("ensemble member index out of range");
                     return py::cast(x.models()[static_cast<std::size_t>(i)]);
                 }
                 std::string name = as_str(key);
                 for (const auto& mm : x.models())
                     if (mm->name() == name) return py::cast(mm);
                 return py::none();
             })
        .def("__str__", [](const Ensemble& x) { return x.name(); });
    bind_db_objects(ensemble);

    py::class_<Orchestrator, Entity, std::shared_ptr<Orchestrator>>(m, "Orchestrator",
                                                                    py::dynamic_attr())
        // SmartSim's constructor: the shards go to `path` (default: the working directory).
        // Insitu launches shards directly (run_command and single_cmd only matter to SmartSim's
        // MPMD launch) and binds the first interface given.
        .def(py::init([](const py::object& path, int port, const py::object& interface,
                         const std::string& launcher, const py::object& run_command, int db_nodes,
                         bool batch, const py::object& hosts, const py::object& account,
                         const py::object& time, const py::object& alloc, bool single_cmd,
                         const py::object& threads_per_queue, const py::object& inter_op_threads,
                         const py::object& intra_op_threads, const std::string& db_identifier,
                         const py::kwargs& kw) {
                 (void)run_command;
                 (void)single_cmd;
                 OrchestratorOptions o;
                 o.port = port;
                 o.db_nodes = db_nodes;
                 auto ifs = str_list(interface);
                 o.interface = ifs.empty() ? "lo" : ifs[0];
                 o.db_identifier = db_identifier;
                 o.threads_per_queue =
                     threads_per_queue.is_none() ? 0 : threads_per_queue.cast<int>();
                 o.inter_op_threads = inter_op_threads.is_none() ? 0 : inter_op_threads.cast<int>();
                 o.intra_op_threads = intra_op_threads.is_none() ? 0 : intra_op_threads.cast<int>();
                 o.hosts = str_list(hosts);
                 o.alloc = alloc.is_none() ? "" : as_str(alloc);
                 o.insecure = insecure_of(kw);
                 o.tls = tls_of(kw);
                 o.replicas = replicas_of(kw);
                 if (batch) {
                     if (launcher != "slurm")
                         throw UnsupportedError(
                             "Orchestrator(batch=True) needs a workload manager launcher "
                             "(launcher=\"slurm\"); the " +
                             launcher + " launcher has no batch queue");
                     BatchSettings bs;
                     bs.batch_command = "sbatch";
                     bs.set_nodes(db_nodes * (1 + o.replicas));
                     if (!time.is_none() && !as_str(time).empty()) bs.set_walltime(as_str(time));
                     if (!account.is_none() && !as_str(account).empty())
                         bs.set_account(as_str(account));
                     if (kw.contains("queue") && !kw["queue"].is_none() &&
                         !as_str(kw["queue"]).empty())
                         bs.set_queue(as_str(kw["queue"]));
                     o.batch_settings = bs;
                 }
                 std::string p =
                     path.is_none() ? py::module_::import("os").attr("getcwd")().cast<std::string>()
                                    : as_str(path);
                 p = py::module_::import("os.path").attr("abspath")(p).cast<std::string>();
                 return std::make_shared<Orchestrator>(o, p);
             }),
             py::arg("path") = py::none(), py::arg("port") = 6379, py::arg("interface") = "lo",
             py::arg("launcher") = "local", py::arg("run_command") = "auto",
             py::arg("db_nodes") = 1, py::arg("batch") = false, py::arg("hosts") = py::none(),
             py::arg("account") = py::none(), py::arg("time") = py::none(),
             py::arg("alloc") = py::none(), py::arg("single_cmd") = false, py::kw_only(),
             py::arg("threads_per_queue") = py::none(), py::arg("inter_op_threads") = py::none(),
             py::arg("intra_op_threads") = py::none(), py::arg("db_identifier") = "orchestrator")
        .def("get_address", &Orchestrator::get_address)
        .def_property_readonly("insecure", &Orchestrator::is_insecure)
        .def_property_readonly("tls", &Orchestrator::uses_tls)
        .def_property_readonly("tls_ca_file", &Orchestrator::tls_ca_file)
        .def_property_readonly("secrets_dir", &Orchestrator::secrets_dir)
        .def("is_active", &Orchestrator::is_active, py::call_guard<py::gil_scoped_release>())
        .def_property_readonly("num_shards", &Orchestrator::num_shards)
        .def_property_readonly("db_nodes", &Orchestrator::num_shards)
        .def_property_readonly("replicas", &Orchestrator::replicas)
        .def_property_readonly("num_servers", &Orchestrator::num_servers)
        .def_property_readonly("db_identifier", &Orchestrator::db_identifier)
        .def_property_readonly("is_clustered", &Orchestrator::is_clustered)
        .def_property_readonly("port", [](const Orchestrator& o) { return o.options().port; })
        .def_property_readonly(
            "ports",
            [](const Orchestrator& o) {
                std::vector<int> p;
                for (int i = 0; i < o.num_servers(); ++i)
                    p.push_back(o.options().port == 0 ? 0 : o.options().port + i);
                return p;
            })
        .def_property_readonly("interface",
                               [](const Orchestrator& o) { return o.options().interface; })
        .def_property_readonly("hosts",
                               [](const Orchestrator& o) {
                                   // The shards' hosts once running, else the hosts asked for.
                                   try {
                                       std::vector<std::string> h;
                                       for (const auto& a : o.get_address())
                                           h.push_back(a.substr(0, a.rfind(':')));
                                       return h;
                                   } catch (const std::exception&) {
                                       return o.options().hosts;
                                   }
                               })
        .def_property_readonly(
            "batch", [](const Orchestrator& o) { return o.options().batch_settings.has_value(); })
        .def_property_readonly("checkpoint_file",
                               [](const Orchestrator& o) {
                                   return py::module_::import("os.path")
                                       .attr("join")(o.path(), "smartsim_db.dat")
                                       .cast<std::string>();
                               })
        .def(
            "set_path",
            [](Orchestrator&, const std::string&) {
                throw UnsupportedError(
                    "Orchestrator.set_path: give the path when the Orchestrator is made");
            },
            py::arg("new_path"))
        .def("enable_checkpoints", &Orchestrator::enable_checkpoints, py::arg("frequency"))
        .def("set_max_memory", &Orchestrator::set_max_memory, py::arg("mem"))
        .def("set_eviction_strategy", &Orchestrator::set_eviction_strategy, py::arg("strategy"))
        .def("set_max_clients", &Orchestrator::set_max_clients, py::arg("clients") = 50000)
        .def("set_max_message_size", &Orchestrator::set_max_message_size,
             py::arg("size") = 1LL << 30)
        .def("set_batch_settings", &Orchestrator::set_batch_settings, py::arg("batch_settings"))
        .def(
            "set_hosts", [](Orchestrator& o, const py::object& h) { o.set_hosts(str_list(h)); },
            py::arg("host_list"))
        .def(
            "set_run_arg",
            [](Orchestrator& o, const std::string& k, const py::object& v) {
                o.set_run_arg(k, v.is_none() ? "" : as_str(v));
            },
            py::arg("arg"), py::arg("value") = py::none())
        .def(
            "set_batch_arg",
            [](Orchestrator& o, const std::string& k, const py::object& v) {
                o.set_batch_arg(k, v.is_none() ? "" : as_str(v));
            },
            py::arg("arg"), py::arg("value") = py::none())
        .def("set_walltime", &Orchestrator::set_walltime, py::arg("walltime"))
        .def(
            "set_db_conf",
            [](Orchestrator& o, const std::string& k, const py::object& v) {
                o.set_db_conf(k, as_str(v));
            },
            py::arg("key"), py::arg("value"))
        .def("__str__", [](const Orchestrator& o) { return o.name(); });

    py::class_<Experiment>(m, "Experiment")
        .def(py::init([](const std::string& name, const py::object& exp_path,
                         const std::string& launcher) {
                 // "auto" detects a workload manager (SLURM_JOB_ID, ...) and falls back to local.
                 return std::make_unique<Experiment>(
                     name, exp_path.is_none() ? "" : as_str(exp_path), launcher);
             }),
             py::arg("name"), py::arg("exp_path") = py::none(), py::arg("launcher") = "local")
        .def_property_readonly("name", &Experiment::name)
        .def_property_readonly("exp_path", &Experiment::exp_path)
        .def_property_readonly("launcher", &Experiment::launcher)
        .def("set_start_timeout", &Experiment::set_start_timeout, py::arg("seconds"))
        // Telemetry for `insitu status` / `insitu dashboard` (docs/telemetry.md).
        .def("set_telemetry", &Experiment::set_telemetry, py::arg("enabled") = true,
             py::arg("interval") = 1.0, py::arg("max_mib") = 64.0)
        .def_property_readonly("telemetry_enabled", &Experiment::telemetry_enabled)
        .def(
            "create_run_settings",
            // run_command None runs the executable directly; "auto" picks the launcher's default
            // (none for local, srun under Slurm).
            [](const Experiment& e, const std::string& exe, const py::object& exe_args,
               const py::object& run_command, const py::object& run_args,
               const py::object& env_vars, const py::object& container, const py::kwargs&) {
                if (!container.is_none())
                    throw UnsupportedError(
                        "create_run_settings: containers are not supported by insitu");
                return e.create_run_settings(exe, exe_args_of(exe_args),
                                             run_command.is_none() ? "" : as_str(run_command),
                                             str_map(run_args), str_map(env_vars));
            },
            py::arg("exe"), py::arg("exe_args") = py::none(), py::arg("run_command") = "auto",
            py::arg("run_args") = py::none(), py::arg("env_vars") = py::none(),
            py::arg("container") = py::none())
        .def(
            "create_batch_settings",
            [](const Experiment& e, int nodes, const std::string& time, const std::string& queue,
               const std::string& account, const py::object& batch_args, const py::kwargs&) {
                return e.create_batch_settings(nodes, time, queue, account, str_map(batch_args));
            },
            py::arg("nodes") = 1, py::arg("time") = "", py::arg("queue") = "",
            py::arg("account") = "", py::arg("batch_args") = py::none())
        .def(
            "create_model",
            [](Experiment& e, const std::string& name, const RunSettings& rs,
               const py::object& params, const py::object& path, bool prefix,
               const py::object& batch_settings) {
                auto x = e.create_model(name, rs, str_map(params),
                                        path.is_none() ? "" : as_str(path), prefix);
                if (!batch_settings.is_none())
                    x->set_batch_settings(batch_settings.cast<BatchSettings>());
                return x;
            },
            py::arg("name"), py::arg("run_settings"), py::arg("params") = py::none(),
            py::arg("path") = py::none(), py::arg("enable_key_prefixing") = false,
            py::arg("batch_settings") = py::none())
        .def(
            "create_ensemble",
            [](Experiment& e, const std::string& name, const py::object& params,
               const py::object& run_settings, const py::object& replicas,
               const std::string& perm_strategy, const py::object& path) {
                std::map<std::string, std::vector<std::string>> p;
                if (!params.is_none())
                    for (auto [k, v] : params.cast<py::dict>())
                        p[as_str(k)] = str_list(py::reinterpret_borrow<py::object>(v));
                if (run_settings.is_none()) throw ConfigError("create_ensemble needs run_settings");
                return e.create_ensemble(name, p, run_settings.cast<RunSettings>(),
                                         replicas.is_none() ? 0 : replicas.cast<int>(),
                                         perm_strategy, path.is_none() ? "" : as_str(path));
            },
            py::arg("name"), py::arg("params") = py::none(), py::arg("run_settings") = py::none(),
            py::arg("replicas") = py::none(), py::arg("perm_strategy") = "all_perm",
            py::arg("path") = py::none())
        .def(
            "create_database",
            [](Experiment& e, int port, int db_nodes, const py::object& interface,
               const std::string& db_identifier, int threads_per_queue, int inter_op_threads,
               int intra_op_threads, const py::kwargs& kw) {
                auto ifs = str_list(interface);
                return e.create_database(port, db_nodes, ifs.empty() ? "lo" : ifs[0], db_identifier,
                                         threads_per_queue, inter_op_threads, intra_op_threads,
                                         insecure_of(kw), tls_of(kw), replicas_of(kw));
            },
            py::arg("port") = 6379, py::arg("db_nodes") = 1, py::arg("interface") = "lo",
            py::arg("db_identifier") = "orchestrator", py::arg("threads_per_queue") = 0,
            py::arg("inter_op_threads") = 0, py::arg("intra_op_threads") = 0)
        .def("restart_failed_servers", &Experiment::restart_failed_servers, py::arg("db"),
             py::call_guard<py::gil_scoped_release>())
        .def(
            "generate",
            [](Experiment& e, const py::args& entities, const py::object& tag, bool overwrite,
               const py::kwargs&) {
                e.generate(entities_of(entities), overwrite, tag.is_none() ? ";" : as_str(tag));
            },
            py::arg("tag") = py::none(), py::arg("overwrite") = false)
        .def(
            "start",
            [](Experiment& e, const py::args& entities, bool block, bool summary,
               bool kill_on_interrupt, const py::kwargs&) {
                EntityList list = entities_of(entities);
                {
                    py::gil_scoped_release nogil;
                    e.start(list, false);
                }
                if (block) wait_interruptibly(e, list, kill_on_interrupt);
                if (summary) py::print(e.summary());
            },
            py::arg("block") = true, py::arg("summary") = false,
            py::arg("kill_on_interrupt") = true)
        .def(
            "poll",
            [](Experiment& e, double interval, bool verbose, bool kill_on_interrupt) {
                wait_interruptibly(e, {}, kill_on_interrupt, verbose ? interval : 0);
            },
            py::arg("interval") = 10.0, py::arg("verbose") = true,
            py::arg("kill_on_interrupt") = true)
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
        .def(
            "get_returncodes",
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
        // (name, type, job id, run, seconds, status, return code or None) per job, for summary().
        .def("_jobs",
             [](const Experiment& e) {
                 std::vector<Experiment::JobRecord> js;
                 {
                     py::gil_scoped_release nogil;
                     js = e.jobs();
                 }
                 py::list out;
                 for (const auto& j : js)
                     out.append(py::make_tuple(
                         j.name, j.type, j.job_id, j.run, j.time_s, to_string(j.status),
                         j.returncode ? py::cast(*j.returncode) : py::none()));
                 return out;
             })
        .def(
            "reconnect_orchestrator",
            [](Experiment& e, const py::object& checkpoint) {
                std::string f = as_str(py::module_::import("os").attr("fspath")(checkpoint));
                py::gil_scoped_release nogil;
                return e.reconnect_orchestrator(f);
            },
            py::arg("checkpoint"))
        .def("__repr__", [](const Experiment& e) {
            return "<Experiment " + e.name() + " at " + e.exp_path() + ">";
        });
}

}  // namespace insitu::python
