"""The driver's errors in Python: real failures of insitu.Experiment and its entities raise the
insitu.error class named like SmartSim's smartsim.error for their code, with ``.code`` set, and
are still the ValueError or RuntimeError they were before these classes existed."""

import socket

import pytest

from insitu import Experiment
from insitu.error import (EntityExistsError, LauncherError, SmartSimError, SSConfigError,
                          SSUnsupportedError)

from conftest import free_port


def raised(cls, f, *args, **kwargs):
    with pytest.raises(cls) as info:
        f(*args, **kwargs)
    return info.value


def test_bad_settings_are_ss_config_errors(exp_dir):
    exp = Experiment("errors", exp_path=str(exp_dir / "exp"))
    e = raised(SSConfigError, exp.create_database, port=0, db_nodes=2)
    assert e.code == 5
    assert str(e) == "db_nodes must be 1 (standalone) or >= 3 (cluster); got 2"
    assert isinstance(e, ValueError) and isinstance(e, SmartSimError)
    m = exp.create_model("m", exp.create_run_settings("true"))
    e = raised(SSConfigError, m.add_ml_model, "x", "PYTORCH", model=b"abc")
    assert e.code == 5 and "unknown backend 'PYTORCH'" in str(e)
    rs = exp.create_run_settings("true", run_command="mpirun")
    e = raised(SSConfigError, rs.set_tasks, 0)
    assert e.code == 5 and str(e) == "set_tasks: must be >= 1, got 0"


def test_duplicate_names_are_entity_exists(exp_dir):
    exp = Experiment("errors", exp_path=str(exp_dir / "exp"))
    m = exp.create_model("m", exp.create_run_settings("true"))
    m.add_ml_model("net", "TORCH", model=b"abc")
    e = raised(EntityExistsError, m.add_ml_model, "net", "ONNX", model=b"def")
    assert e.code == 12
    assert str(e) == "model m already has an ML model named net"
    assert isinstance(e, ValueError)  # what the driver raised before
    ens = exp.create_ensemble("ens", run_settings=exp.create_run_settings("true"), replicas=2)
    e = raised(EntityExistsError, ens.add_model,
               exp.create_model("ens_1", exp.create_run_settings("true")))
    assert e.code == 12 and str(e) == "ensemble ens already has a member ens_1"


def test_what_the_local_launcher_lacks_is_unsupported(exp_dir):
    exp = Experiment("errors", exp_path=str(exp_dir / "exp"))
    e = raised(SSUnsupportedError, exp.create_run_settings, "true", run_command="srun")
    assert e.code == 13
    assert str(e) == ("run command 'srun' is not supported by the local launcher "
                      "(use \"\" or mpirun)")
    e = raised(SSUnsupportedError, exp.create_batch_settings, nodes=1)
    assert e.code == 13 and "no batch queue" in str(e)
    assert isinstance(e, ValueError)
    e = raised(SSUnsupportedError, Experiment, "pbs", exp_path=str(exp_dir / "pbs"),
               launcher="pbs")
    assert e.code == 13 and str(e).startswith("launcher 'pbs' is not available")


def test_database_port_in_use_is_a_launcher_error(exp_dir):
    with socket.socket() as s:
        port = free_port()  # below 55535: a database's port + 10000 must be a port
        s.bind(("127.0.0.1", port))
        s.listen(1)
        exp = Experiment("errors", exp_path=str(exp_dir / "exp"))
        db = exp.create_database(port=port, interface="lo", db_identifier="busy")
        e = raised(LauncherError, exp.start, db)
    assert e.code == 10
    assert str(e) == f"database shard busy_0: port {port} on 127.0.0.1 is already in use"
    assert isinstance(e, RuntimeError)  # what the driver raised before
    assert not db.is_active()


def test_second_running_database_with_one_identifier_is_entity_exists(exp_dir):
    """SmartSim's SSDBIDConflictError: a runtime error in insitu's C++ (std::runtime_error), so
    in Python it is an EntityExistsError that is still a RuntimeError."""
    exp = Experiment("errors", exp_path=str(exp_dir / "exp"))
    first = exp.create_database(port=free_port(), interface="lo", db_identifier="same",
                                path=str(exp_dir / "exp" / "first"))
    second = exp.create_database(port=free_port(), interface="lo", db_identifier="same",
                                 path=str(exp_dir / "exp" / "second"))
    exp.start(first)
    try:
        e = raised(EntityExistsError, exp.start, second)
        assert e.code == 12
        assert isinstance(e, RuntimeError)
        assert str(e).startswith("a database with db_identifier 'same' is already running")
        assert not second.is_active()
    finally:
        exp.stop(first)


def test_client_errors_keep_their_classes(exp_dir):
    """The driver's classes are only for driver errors: a client error stays a Redis*Error."""
    import insitu

    with pytest.raises(insitu.RedisParameterError) as info:
        insitu.Client(address="not an address!", cluster=False)
    assert info.value.code == 5
    assert not isinstance(info.value, SmartSimError)
