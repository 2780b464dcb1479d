"""The driver API with SmartSim 0.8's Python names and behaviour: ``Experiment``, ``Ensemble``,
``Model``, ``Orchestrator``, ``RunSettings``/``BatchSettings`` (``from insitu import Experiment``).

Launching, tracking and stopping are the C++ Experiment's (``_insitu``); this module adds what
SmartSim does in Python: ensemble expansion (``perm_strategy`` "all_perm", "step", "random" or a
callable, ``params_as_args``, ``replicas``, ``n_models``), ``summary(style=...)`` in tabulate's
table formats, ``preview``, ``reconnect_orchestrator``, ``create_database``'s keyword arguments and
the ``telemetry`` switch, with log records going through :mod:`insitu.log`.
"""

import html
import itertools
import os
import random
import socket
import typing as t

from . import _insitu
from .log import ctx_exp_path, get_logger, method_contextualizer

__all__ = [
    "BatchSettings",
    "DBModel",
    "DBScript",
    "Ensemble",
    "Experiment",
    "Model",
    "Orchestrator",
    "RunSettings",
    "TelemetryConfiguration",
    "create_all_permutations",
    "random_permutations",
    "step_values",
]

logger = get_logger(__name__)

Model = _insitu.Model
Orchestrator = _insitu.Orchestrator
RunSettings = _insitu.RunSettings
BatchSettings = _insitu.BatchSettings
DBModel = _insitu.DBModel
DBScript = _insitu.DBScript

_contextualize = method_contextualizer(ctx_exp_path, lambda exp: exp.exp_path)


# ---- permutation strategies (SmartSim's smartsim.entity.strategies) ----------------------------


def create_all_permutations(param_names: t.List[str], param_values: t.List[t.List[t.Any]],
                            _n_models: int = 0) -> t.List[t.Dict[str, t.Any]]:
    """Every combination of the values, the last parameter varying fastest."""
    return [dict(zip(param_names, combo)) for combo in itertools.product(*param_values)]


def step_values(param_names: t.List[str], param_values: t.List[t.List[t.Any]],
                _n_models: int = 0) -> t.List[t.Dict[str, t.Any]]:
    """The i-th value of every parameter for member i (as many members as the shortest list)."""
    return [dict(zip(param_names, combo)) for combo in zip(*param_values)]


def random_permutations(param_names: t.List[str], param_values: t.List[t.List[t.Any]],
                        n_models: int = 0) -> t.List[t.Dict[str, t.Any]]:
    """``n_models`` combinations drawn at random without repetition (all of them when n_models
    is 0 or not smaller than their number)."""
    permutations = create_all_permutations(param_names, param_values)
    if 0 < n_models < len(permutations):
        return random.sample(permutations, n_models)
    return permutations


_STRATEGIES = {"all_perm": create_all_permutations, "step": step_values, "random": random_permutations}


class UserStrategyError(TypeError):
    """A perm_strategy callable returned something other than a list of dicts."""

    def __init__(self, perm_strat: t.Any) -> None:
        super().__init__(f"User strategy {perm_strat!r} failed: it must return a list of dicts "
                         "(one {param: value} per ensemble member)")


# ---- Ensemble -----------------------------------------------------------------------------


class Ensemble(_insitu._EnsembleBase):
    """SmartSim's Ensemble: members from ``params`` (expanded by ``perm_strat``), from
    ``replicas``, or added with ``add_model``. Iterating gives the members; ``ens["name_0"]``
    looks one up by name (None when absent). Key prefixing is on for members."""

    def __init__(self, name: str, params: t.Optional[t.Dict[str, t.Any]] = None,
                 path: t.Optional[str] = None, params_as_args: t.Optional[t.List[str]] = None,
                 batch_settings: t.Optional[BatchSettings] = None,
                 run_settings: t.Optional[RunSettings] = None, perm_strat: t.Any = "all_perm",
                 replicas: t.Optional[int] = None, **kwargs: t.Any) -> None:
        if name is None:
            raise AttributeError("Entity has no name. Please set name attribute.")
        path = os.path.abspath(path or os.getcwd())
        super().__init__(name, path)
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise TypeError("Ensemble initialization argument 'params' must be of type dict")
        self.params = params
        self.params_as_args = list(params_as_args or [])
        self.run_settings = run_settings
        self.replicas = replicas
        self.perm_strat = perm_strat
        if batch_settings is not None:
            self.set_batch_settings(batch_settings)
        strategy = self._strategy(perm_strat)
        if params:
            if run_settings is None:
                raise ValueError(f"Ensemble {name}: params need run_settings to make members from")
            names, values = self._read_params(params)
            members = strategy(names, values, kwargs.get("n_models", 0))
            if not isinstance(members, list):
                raise UserStrategyError(perm_strat)
            for i, param_set in enumerate(members):
                if not isinstance(param_set, dict):
                    raise UserStrategyError(perm_strat)
                member = f"{name}_{i}"
                m = Model(member, param_set, run_settings, os.path.join(path, member),
                          params_as_args=self.params_as_args)
                m.params_to_args()
                logger.debug(f"Created ensemble member: {member} in {name}")
                self.add_model(m)
        elif run_settings is not None:
            if not replicas:
                raise ValueError(f"Ensemble {name}: run_settings without params or replicas "
                                 "cannot make members")
            if int(replicas) < 1:
                raise ValueError(f"Ensemble {name}: replicas must be >= 1, got {replicas}")
            for i in range(int(replicas)):
                member = f"{name}_{i}"
                self.add_model(Model(member, {}, run_settings, os.path.join(path, member)))
                logger.debug(f"Created ensemble member: {member} in {name}")
        elif batch_settings is None:
            raise ValueError(f"Ensemble {name}: give params or replicas with run_settings, or "
                             "batch_settings (and add members with add_model)")

    @staticmethod
    def _strategy(perm_strat: t.Any) -> t.Callable[..., t.Any]:
        if callable(perm_strat):
            return perm_strat
        if perm_strat in _STRATEGIES:
            return _STRATEGIES[perm_strat]
        raise ValueError(f"Permutation strategy given is not supported: {perm_strat!r} "
                         "(all_perm, step, random or a callable)")

    @staticmethod
    def _read_params(params: t.Dict[str, t.Any]) -> t.Tuple[t.List[str], t.List[t.List[t.Any]]]:
        names, values = [], []
        for k, v in params.items():
            if not isinstance(k, str):
                raise TypeError("Incorrect type for ensemble parameters: names must be str")
            if isinstance(v, (str, int, float)):
                v = [v]
            elif isinstance(v, (list, tuple)):
                v = list(v)
                if not all(isinstance(x, (str, int, float)) for x in v):
                    raise TypeError(f"Incorrect type for ensemble parameter {k}: values must be "
                                    "str, int or float")
            else:
                raise TypeError(f"Incorrect type for ensemble parameter {k}: a value or a list of "
                                "values")
            names.append(k)
            values.append(v)
        return names, values

    def __repr__(self) -> str:
        return f"<Ensemble {self.name}: {len(self)} members>"


# ---- summary tables (the tabulate formats SmartSim's summary accepts) ----------------------


def _pad(text: str, width: int, right: bool) -> str:
    return text.rjust(width) if right else text.ljust(width)


def _table(headers: t.List[str], rows: t.List[t.List[str]], style: str) -> str:
    """headers[0] is the index column (right-aligned, like tabulate's showindex)."""
    if style in ("html", "unsafehtml"):
        esc = html.escape if style == "html" else str
        out = ["<table>", "<thead>", "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr>",
               "</thead>", "<tbody>"]
        for r in rows:
            cells = [f'<td style="text-align: right;">{esc(r[0])}</td>']
            cells += [f"<td>{esc(c)}</td>" for c in r[1:]]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out += ["</tbody>", "</table>"]
        return "\n".join(out)
    if style == "tsv":
        return "\n".join("\t".join(r) for r in [headers] + rows)
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    if style in ("github", "pipe", "psql", "grid", "orgtbl", "jira"):
        widths = [max(w, 3 if style == "pipe" else 1) for w in widths]

    def line(cells: t.List[str], sep: str = "|", left: str = "| ", right: str = " |") -> str:
        return left + f" {sep} ".join(_pad(c, widths[i], i == 0) for i, c in enumerate(cells)) + right

    def rule(ch: str = "-", cross: str = "+", edge: str = "+") -> str:
        return edge + cross.join(ch * (w + 2) for w in widths) + edge

    if style in ("github", "pipe"):
        if style == "pipe":
            align = ["-" * (widths[0] + 1) + ":"] + [":" + "-" * (w + 1) for w in widths[1:]]
        else:
            align = ["-" * (w + 2) for w in widths]
        return "\n".join([line(headers), "|" + "|".join(align) + "|"] + [line(r) for r in rows])
    if style == "orgtbl":
        return "\n".join([line(headers), rule(cross="+", edge="|")] + [line(r) for r in rows])
    if style == "jira":
        head = "|| " + " || ".join(_pad(h, widths[i], i == 0) for i, h in enumerate(headers)) + " ||"
        return "\n".join([head] + [line(r) for r in rows])
    if style == "psql":
        return "\n".join([rule(), line(headers), rule(edge="|"), *[line(r) for r in rows], rule()])
    if style in ("grid", "fancy_grid"):
        out = [rule(), line(headers), rule("=")]
        for i, r in enumerate(rows):
            out.append(line(r))
            out.append(rule())
        if not rows:
            out[-1] = rule()
        return "\n".join(out)
    if style == "rst":
        bar = "  ".join("=" * w for w in widths)
        return "\n".join([bar, line(headers, "", "", "").replace("   ", "  "), bar] +
                         ["  ".join(_pad(c, widths[i], i == 0) for i, c in enumerate(r)) for r in rows] +
                         [bar])
    # "plain" has no rules; "simple" (tabulate's default for unknown names too) has a dashed one.
    body = ["  ".join(_pad(c, widths[i], i == 0) for i, c in enumerate(r)) for r in rows]
    head = "  ".join(_pad(h, widths[i], i == 0) for i, h in enumerate(headers))
    if style == "plain":
        return "\n".join([head] + body)
    return "\n".join([head, "  ".join("-" * w for w in widths)] + body)


SUMMARY_STYLES = ("plain", "simple", "github", "pipe", "orgtbl", "jira", "psql", "grid", "rst",
                  "html", "unsafehtml", "tsv")


# ---- telemetry switch ----------------------------------------------------------------------


class TelemetryConfiguration:
    """SmartSim's telemetry switch (``exp.telemetry.enable()`` / ``disable()`` / ``is_enabled``).
    insitu runs no telemetry monitor: the switch is kept (and SMARTSIM_FLAG_TELEMETRY set as
    SmartSim does) so drivers run, but no telemetry files are written."""

    def __init__(self, enabled: bool = False) -> None:
        self._enabled = enabled

    @property
    def is_enabled(self) -> bool:
        return self._enabled

    def enable(self) -> None:
        self._enabled = True
        os.environ["SMARTSIM_FLAG_TELEMETRY"] = "1"

    def disable(self) -> None:
        self._enabled = False
        os.environ["SMARTSIM_FLAG_TELEMETRY"] = "0"


# ---- SmartSim's Python-side entity members ----------------------------------------------------


def _orchestrator_telemetry(self: t.Any) -> TelemetryConfiguration:
    """Database telemetry switch (off by default, as in SmartSim); no files are collected."""
    cfg = self.__dict__.get("_telemetry_cfg")
    if cfg is None:
        cfg = self.__dict__["_telemetry_cfg"] = TelemetryConfiguration(False)
    return cfg


def _orchestrator_remove_stale_files(self: t.Any) -> None:
    """Removes the cluster configuration files (nodes-<shard>-<port>.conf) that shards of this
    database left in its directory, so that a new cluster can form there."""
    import glob

    for i in range(self.num_shards):
        for f in glob.glob(os.path.join(self.path, f"nodes-{self.db_identifier}_{i}-*.conf")):
            os.remove(f)


def _orchestrator_set_cpus(self: t.Any, num_cpus: int) -> None:
    """SmartSim sets the shards' CPUs per task here; insitu's shards take the CPUs their host
    gives them (use set_run_arg("cpus-per-task", n) under Slurm), so this only warns."""
    if int(num_cpus) < 1:
        raise ValueError("set_cpus: num_cpus must be >= 1")
    logger.warning(f"Orchestrator.set_cpus({num_cpus}) is not implemented by insitu; ignored")


def _files_table(self: t.Any, format: str = "grid") -> str:  # noqa: A002
    """SmartSim's attached_files_table: the files attach_generator_files attached, by strategy."""
    files = self.files
    if not files:
        return "No file attached to this model."
    kinds = {"Copy": files["copy"], "Symlink": files["link"], "Configure": files["tagged"]}
    rows = [[str(i), kind, name] for i, (kind, name) in
            enumerate((k, n) for k, names in kinds.items() for n in names)]
    return _table(["", "Strategy", "Files"], rows, format)


def _print_files(self: t.Any) -> None:
    print(self.attached_files_table)


def _ensemble_files_table(self: t.Any) -> str:
    return "\n".join(f"Model: {m.name}\n{m.attached_files_table}" for m in self)


Orchestrator.telemetry = property(_orchestrator_telemetry)
Orchestrator.remove_stale_files = _orchestrator_remove_stale_files
Orchestrator.set_cpus = _orchestrator_set_cpus
Model.attached_files_table = property(_files_table)
Model.print_attached_files = _print_files
Ensemble.attached_files_table = property(_ensemble_files_table)
Ensemble.print_attached_files = _print_files


def _interfaces() -> t.List[str]:
    try:
        return [n for _, n in socket.if_nameindex()]
    except OSError:
        return []


# ---- Experiment ----------------------------------------------------------------------------



# Variables _driver_credentials() set: name -> (value, database), so that only those are taken
# back, once their database is stopped (launched programs inherit the driver's environment).
_credentials_set: t.Dict[str, t.Tuple[str, t.Any]] = {}


def _forget_credentials(keep: t.Callable[[t.Any], bool] = lambda db: db.is_active()) -> None:
    for n, (v, db) in list(_credentials_set.items()):
        if not keep(db):
            del _credentials_set[n]
            if os.environ.get(n) == v:
                del os.environ[n]


def _driver_credentials(dbs: t.List[t.Any]) -> None:
    """Clients this driver creates itself (``Client(cluster, address)``, as SmartSim drivers do)
    authenticate to the databases it started: the application user and its password file go to
    os.environ (SR_DB_USER / SR_DB_PASSWORD_FILE with the database's suffix, and SR_TLS_CA_FILE
    for a TLS database) while the database runs, unless the user set them. Never the password
    itself."""
    _forget_credentials()
    for db in dbs:
        if not db.is_active() or not db.secrets_dir:
            continue
        sfx = "" if db.db_identifier in ("", "orchestrator") else "_" + db.db_identifier
        groups = [(["SR_DB_USER" + sfx, "SR_DB_PASSWORD_FILE" + sfx],
                   ["app", os.path.join(db.secrets_dir, "app")], ["SR_DB_PASSWORD" + sfx])]
        if db.tls:  # the CA turns TLS on for the plain host:port of db.get_address()
            groups.append((["SR_TLS_CA_FILE" + sfx], [db.tls_ca_file], []))
        for names, values, also in groups:
            if any(n in os.environ and n not in _credentials_set for n in names + also):
                continue  # the user's own choice
            for n, v in zip(names, values):
                os.environ[n] = v
                _credentials_set[n] = (v, db)

class Experiment(_insitu.Experiment):
    """SmartSim's Experiment: creates entities and settings, launches them (databases first),
    reports their status and stops them. See docs/compatibility.md for what differs."""

    def __init__(self, name: str, exp_path: t.Optional[str] = None, launcher: str = "local") -> None:
        if name is None:
            raise AttributeError("Experiment has no name")
        if exp_path is not None and not isinstance(exp_path, (str, os.PathLike)):
            raise TypeError("exp_path argument was not of type str")
        if str(launcher).lower() == "cobalt":
            raise ValueError("Cobalt launcher is no longer supported.")
        super().__init__(name, None if exp_path is None else os.fspath(exp_path), str(launcher).lower())
        self.db_identifiers: t.Set[str] = set()
        self._telemetry_cfg = TelemetryConfiguration(os.environ.get("SMARTSIM_FLAG_TELEMETRY", "0") == "1")

    def __str__(self) -> str:
        return self.name

    @property
    def telemetry(self) -> TelemetryConfiguration:
        return self._telemetry_cfg

    # Entity and settings factories --------------------------------------------------------

    @_contextualize
    def create_run_settings(self, exe: str, exe_args: t.Optional[t.Union[str, t.List[str]]] = None,
                            run_command: t.Optional[str] = "auto",
                            run_args: t.Optional[t.Dict[str, t.Any]] = None,
                            env_vars: t.Optional[t.Dict[str, t.Any]] = None,
                            container: t.Any = None, **kwargs: t.Any) -> RunSettings:
        return super().create_run_settings(exe, exe_args, run_command, run_args, env_vars, container, **kwargs)

    @_contextualize
    def create_batch_settings(self, nodes: int = 1, time: str = "", queue: str = "", account: str = "",
                              batch_args: t.Optional[t.Dict[str, str]] = None, **kwargs: t.Any) -> BatchSettings:
        return super().create_batch_settings(nodes, time, queue, account, batch_args, **kwargs)

    @_contextualize
    def create_model(self, name: str, run_settings: RunSettings, params: t.Optional[t.Dict[str, t.Any]] = None,
                     path: t.Optional[str] = None, enable_key_prefixing: bool = False,
                     batch_settings: t.Optional[BatchSettings] = None) -> Model:
        if name is None:
            raise AttributeError("Entity has no name. Please set name attribute.")
        return super().create_model(name, run_settings, params, path, enable_key_prefixing, batch_settings)

    @_contextualize
    def create_ensemble(self, name: str, params: t.Optional[t.Dict[str, t.Any]] = None,
                        batch_settings: t.Optional[BatchSettings] = None,
                        run_settings: t.Optional[RunSettings] = None, replicas: t.Optional[int] = None,
                        perm_strategy: t.Any = "all_perm", path: t.Optional[str] = None,
                        **kwargs: t.Any) -> Ensemble:
        if name is None:
            raise AttributeError("Entity has no name. Please set name attribute.")
        entity_path = os.path.abspath(path or os.path.join(self.exp_path, name))
        return Ensemble(name=name, params=params or {}, path=entity_path, batch_settings=batch_settings,
                        run_settings=run_settings, perm_strat=perm_strategy, replicas=replicas, **kwargs)

    @_contextualize
    def create_database(self, port: int = 6379, path: t.Optional[str] = None, db_nodes: int = 1,
                        batch: bool = False, hosts: t.Optional[t.Union[t.List[str], str]] = None,
                        run_command: str = "auto", interface: t.Union[str, t.List[str]] = "ipogif0",
                        account: t.Optional[str] = None, time: t.Optional[str] = None,
                        queue: t.Optional[str] = None, single_cmd: bool = True,
                        db_identifier: str = "orchestrator", **kwargs: t.Any) -> Orchestrator:
        if db_identifier in self.db_identifiers:
            logger.warning(f"A database with the identifier {db_identifier} has already been made "
                           "An error will be raised if multiple databases are started "
                           "with the same identifier")
        self.db_identifiers.add(db_identifier)
        interface = self._usable_interface(interface)
        entity_path = os.path.abspath(path or os.path.join(self.exp_path, db_identifier))
        return Orchestrator(path=entity_path, port=port, interface=interface, launcher=self.launcher,
                            run_command=run_command, db_nodes=db_nodes, batch=batch, hosts=hosts,
                            account=account, time=time, single_cmd=single_cmd,
                            db_identifier=db_identifier, queue=queue, **kwargs)

    def _usable_interface(self, interface: t.Union[str, t.List[str]]) -> t.Union[str, t.List[str]]:
        # SmartSim's default interface (ipogif0, a Cray network) rarely exists on a workstation;
        # on the local launcher insitu warns as SmartSim does and binds the loopback instead.
        names = [interface] if isinstance(interface, str) else list(interface)
        present = _interfaces()
        missing = [n for n in names if present and n not in present]
        if missing:
            logger.warning(f"Cannot find network interface(s) {', '.join(missing)}; available: "
                           f"{', '.join(present)}")
            if self.launcher == "local":
                kept = [n for n in names if n not in missing]
                return kept or "lo"
        return interface

    @_contextualize
    def reconnect_orchestrator(self, checkpoint: str) -> Orchestrator:
        """The database described by a ``smartsim_db.dat`` checkpoint (written in the database's
        directory when it starts); applications started afterwards get its address."""
        if not os.path.exists(checkpoint):
            raise FileNotFoundError(f"The SmartSim database config file {checkpoint} cannot be found.")
        db = super().reconnect_orchestrator(checkpoint)
        _driver_credentials([db])
        return db

    # Launch and control -----------------------------------------------------------------

    @_contextualize
    def start(self, *args: t.Any, block: bool = True, summary: bool = False,
              kill_on_interrupt: bool = True) -> None:
        if summary:
            self._launch_summary(args)
        dbs = [e for e in self._flatten(args) if isinstance(e, _insitu.Orchestrator)]
        _forget_credentials()  # of databases stopped since (e.g. with their experiment)
        try:
            super().start(*args, block=block, summary=False, kill_on_interrupt=kill_on_interrupt)
        finally:
            _driver_credentials(dbs)

    @_contextualize
    def stop(self, *args: t.Any) -> None:
        try:
            super().stop(*args)
        finally:
            _forget_credentials()

    @_contextualize
    def generate(self, *args: t.Any, tag: t.Optional[str] = None, overwrite: bool = False,
                 verbose: bool = False) -> None:
        super().generate(*args, tag=tag, overwrite=overwrite)
        if verbose:
            for e in self._flatten(args):
                if isinstance(e, _insitu.Model) and e.params:
                    logger.info(f"Configured model {e.name} with params {dict(e.params)}")

    @_contextualize
    def poll(self, interval: int = 10, verbose: bool = True, kill_on_interrupt: bool = True) -> None:
        super().poll(interval, verbose, kill_on_interrupt)

    @_contextualize
    def finished(self, entity: t.Any) -> bool:
        return super().finished(entity)

    @_contextualize
    def get_status(self, *args: t.Any) -> list:
        return super().get_status(*args)

    # Reports ----------------------------------------------------------------------------

    @_contextualize
    def summary(self, style: str = "github") -> str:
        """A table of every job launched (Name, Entity-Type, JobID, RunID, Time, Status,
        Returncode) in one of tabulate's formats: "github" (default), "html", "plain",
        "simple", "pipe", "psql", "grid", "rst", "orgtbl", "jira", "tsv", "unsafehtml"; an
        unknown name gives "simple", as tabulate does."""
        headers = ["", "Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode"]
        rows = []
        for i, (name, type_, job_id, run, secs, status, rc) in enumerate(self._jobs()):
            rows.append([str(i), name, type_, job_id, str(run), f"{secs:.4f}", status,
                         "None" if rc is None else str(rc)])
        return _table(headers, rows, style)

    def _launch_summary(self, entities: t.Sequence[t.Any]) -> None:
        flat = self._flatten(entities)
        text = "\n\n=== Launch Summary ===\n"
        text += f"Experiment: {self.name}\nExperiment Path: {self.exp_path}\nLauncher: {self.launcher}\n"
        models = [e for e in flat if isinstance(e, _insitu.Model)]
        if models:
            text += f"Models: {len(models)}\n"
        dbs = [e for e in entities if isinstance(e, _insitu.Orchestrator)]
        text += f"Database Status: {'launching' if dbs else 'inactive'}\n"
        logger.info(text)

    @staticmethod
    def _flatten(entities: t.Sequence[t.Any]) -> t.List[t.Any]:
        out = []
        for e in entities:
            if isinstance(e, (list, tuple)):
                out.extend(Experiment._flatten(e))
            elif isinstance(e, _insitu._EnsembleBase):
                out.extend(e.models)
            else:
                out.append(e)
        return out

    @_contextualize
    def preview(self, *args: t.Any, verbosity_level: str = "info", output_format: str = "plain_text",
                output_filename: t.Optional[str] = None) -> None:
        """Shows what starting ``args`` would launch (nothing is started): the experiment, each
        database (shards, ports, interface, address when running) and each model (executable and
        arguments, run command and arguments, environment, params, co-located database, batch).
        Logged, or written to ``output_filename``. ``verbosity_level`` is "info", "debug" or
        "developer" (the last two add the environment and attached files);
        ``output_format`` is "plain_text" (SmartSim's only format)."""
        verbosity_level = str(getattr(verbosity_level, "value", verbosity_level))
        output_format = str(getattr(output_format, "value", output_format))
        if verbosity_level not in ("info", "debug", "developer"):
            raise ValueError("The only valid verbosity levels are info, debug and developer")
        if output_format != "plain_text":
            raise ValueError("The only valid output format currently available is plain_text")
        text = self._preview_text(args, verbosity_level != "info")
        if output_filename:
            with open(output_filename, "w", encoding="utf-8") as f:
                f.write(text)
            logger.info(f"Preview written to {output_filename}")
        else:
            logger.info(text)

    def _preview_text(self, entities: t.Sequence[t.Any], verbose: bool) -> str:
        lines = ["=== Experiment Overview ===", "", f"    Experiment Name: {self.name}",
                 f"    Experiment Path: {self.exp_path}", f"    Launcher: {self.launcher}", ""]
        flat: t.List[t.Any] = []
        for e in entities:
            flat.extend(e if isinstance(e, (list, tuple)) else [e])
        dbs = [e for e in flat if isinstance(e, _insitu.Orchestrator)]
        if dbs:
            lines += ["=== Orchestrators ===", ""]
        for db in dbs:
            lines += [f"    Database Identifier: {db.db_identifier}",
                      f"    Database Backend: insitu module in a Redis-compatible server",
                      f"    Path: {db.path}",
                      f"    Shards: {db.num_shards}",
                      f"    TCP/IP Port(s): {', '.join(str(p) for p in db.ports) if db.port else 'free ports'}",
                      f"    Network Interface: {db.interface}",
                      f"    Type: {'Clustered' if db.num_shards > 1 else 'Standalone'}",
                      f"    Batch Launch: {db.batch}"]
            if db.is_active():
                lines.append(f"    Address(es): {', '.join(db.get_address())}")
            lines.append("")
        groups = [e for e in flat if not isinstance(e, _insitu.Orchestrator)]
        if groups:
            lines += ["=== Entity Preview ===", ""]
        for e in groups:
            if isinstance(e, _insitu._EnsembleBase):
                lines += [f"    == Ensemble: {e.name} ==", f"    Path: {e.path}", f"    Members: {len(e)}",
                          f"    Batch Launch: {e.batch}"]
                for p, v in (getattr(e, "params", None) or {}).items():
                    lines.append(f"    Ensemble Parameter: {p} = {v}")
                for dm in e.db_models:
                    lines.append(f"    ML Model: {dm.name} ({dm.backend}, {dm.device})")
                for ds in e.db_scripts:
                    lines.append(f"    Script: {ds.name} ({ds.device})")
                lines.append("")
                for m in e:
                    lines += self._model_lines(m, verbose, indent="        ")
            else:
                lines += self._model_lines(e, verbose, indent="    ")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _model_lines(m: t.Any, verbose: bool, indent: str) -> t.List[str]:
        rs = m.run_settings
        out = [f"{indent}== Model: {m.name} ==", f"{indent}Path: {m.path}", f"{indent}Executable: {rs.exe}",
               f"{indent}Executable Arguments: {' '.join(rs.exe_args)}",
               f"{indent}Run Command: {rs.run_command or '(none)'}"]
        if rs.run_args:
            out.append(f"{indent}Run Arguments: " +
                       " ".join(f"{k}={v}" if v else k for k, v in sorted(rs.run_args.items())))
        out.append(f"{indent}Batch Launch: {m.batch_settings is not None}")
        for k, v in m.params.items():
            out.append(f"{indent}Model Parameter: {k} = {v}")
        out.append(f"{indent}Key Prefixing: {m.query_key_prefixing()}")
        if m.incoming_entities:
            out.append(f"{indent}Incoming Entities: {', '.join(m.incoming_entities)}")
        out.append(f"{indent}Colocated Database: {m.colocated}")
        for dm in m.db_models:
            out.append(f"{indent}ML Model: {dm.name} ({dm.backend}, {dm.device})")
        for ds in m.db_scripts:
            out.append(f"{indent}Script: {ds.name} ({ds.device})")
        if verbose:
            for k, v in sorted(rs.env_vars.items()):
                out.append(f"{indent}Environment: {k}={v}")
            files = m.files or {}
            for kind, names in files.items():
                for n in names:
                    out.append(f"{indent}Attached File ({kind}): {n}")
        out.append("")
        return out
