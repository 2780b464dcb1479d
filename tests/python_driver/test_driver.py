"""The Python driver API (insitu.Experiment) against real servers: standalone, 3-shard cluster,
co-located over TCP and a Unix socket. Applications are small shell or Python programs that
report what they received; attached models and functions run inside the database."""

import os
import sys
import threading
import time

import numpy as np
import pytest

import insitu
from insitu import Experiment, SmartSimStatus

from conftest import free_port, processes_under, read, write_app

MODELS = os.environ.get("INSITU_TEST_MODELS_DIR", "")
HAVE_TORCH = os.environ.get("INSITU_HAVE_TORCH") == "1"

ENV_APP = "#!/bin/sh\nenv | grep -E '^(SSDB|SR_DB_TYPE|SSKEYIN|SSKEYOUT|MY_)' | sort\n"

# Runs what the driver attached: model "mlp" on the committed input, function "times_two".
MODEL_APP = """
import sys
import numpy as np
import insitu
c = insitu.Client(logger_name="app")
c.use_tensor_ensemble_prefix(False)
x = np.load(sys.argv[1] + "/mlp_traced.in0.npy")
c.put_tensor("{app}.x", x)
c.run_model("mlp", inputs=["{app}.x"], outputs=["{app}.y"])
y = c.get_tensor("{app}.y")
np.testing.assert_allclose(y, np.load(sys.argv[1] + "/mlp_traced.out0.npy"), atol=1e-4)
# The one-round-trip inference: the same numbers, bit for bit, and no key written.
(y1,) = c.run_model("mlp", x)
assert y1.tobytes() == y.tobytes() and y1.shape == y.shape, (y1, y)
# A poll that blocks on the server: one try of 20 s returns when another client writes the key.
import threading, time
writer = threading.Timer(0.3, lambda: insitu.Client(logger_name="writer").put_tensor(
    "{app}.late", np.ones(3, dtype=np.float32)))
t0 = time.monotonic()
writer.start()
assert c.poll_tensor("{app}.late", 20000, 1)
waited = time.monotonic() - t0
writer.join()
assert waited > 0.25, waited  # it waited for the write (a timed-out wait answers False)
a = np.arange(6, dtype=np.float32).reshape(2, 3)
c.put_tensor("{app}.a", a)
c.run_script("times_two", "times_two", ["{app}.a"], ["{app}.b"])
np.testing.assert_array_equal(c.get_tensor("{app}.b"), a * 2)
print("model app: ok")
"""


def times_two(x):
    return x * 2.0


def test_seed_driver_colocated_tcp(exp_dir):
    """The seed driver, unchanged but for the import."""
    write_app(exp_dir, ENV_APP)
    port = free_port()
    exp = Experiment("colo-test", launcher="local")
    s = exp.create_run_settings(exe="./app")
    m = exp.create_model("m", s)
    m.colocate_db(port=port, db_cpus=1, debug=False, limit_app_cpus=False, ifname="lo")
    exp.start(m)
    assert exp.get_status(m) == [SmartSimStatus.STATUS_COMPLETED]
    assert exp.get_status(m)[0] == "Completed"
    assert exp.finished(m)
    out = read(exp_dir / "colo-test" / "m" / "m.out")
    assert f"SSDB=127.0.0.1:{port}\n" in out
    assert "SR_DB_TYPE=Standalone\n" in out
    assert "database stopped" in out
    assert "| m " in exp.summary()


def test_standalone_database_addresses_env_and_stop(exp_dir):
    write_app(exp_dir, ENV_APP)
    exp = Experiment("standalone", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=free_port(), db_nodes=1, interface="lo")
    assert not db.is_active()
    exp.start(db)
    assert db.is_active()
    addr = db.get_address()
    assert len(addr) == 1 and addr[0].startswith("127.0.0.1:")
    rs = exp.create_run_settings("./app", env_vars={"MY_A": 1})
    rs.update_env({"MY_B": "two"})
    sender = exp.create_model("sender", rs)
    m = exp.create_model("m", rs, enable_key_prefixing=True)
    m.register_incoming_entity(sender)
    exp.start(m, block=True)
    out = read(exp_dir / "exp" / "m" / "m.out")
    assert f"SSDB={addr[0]}\n" in out
    assert "SR_DB_TYPE=Standalone\n" in out
    assert "SSKEYOUT=m\n" in out and "SSKEYIN=sender\n" in out
    assert "MY_A=1\n" in out and "MY_B=two\n" in out
    # The driver can use the database it started.
    c = insitu.Client(address=addr[0], cluster=False)
    c.put_tensor("t", np.ones(3))
    assert c.tensor_exists("t")
    assert exp.get_status(db) == [SmartSimStatus.STATUS_RUNNING]
    exp.stop(db)
    assert not db.is_active()
    assert exp.get_status(db) == [SmartSimStatus.STATUS_CANCELLED]
    assert not processes_under(str(exp_dir / "exp"))


def test_cluster_ensemble_statuses_and_prefixes(exp_dir):
    write_app(exp_dir, ENV_APP)
    exp = Experiment("cluster", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=0, db_nodes=3)
    exp.start(db)
    addr = db.get_address()
    assert len(addr) == 3 and db.num_shards == 3
    ens = exp.create_ensemble("ens", run_settings=exp.create_run_settings("./app"), replicas=2)
    assert [x.name for x in ens.models] == ["ens_0", "ens_1"]
    exp.start(ens)
    assert exp.get_status(ens) == [SmartSimStatus.STATUS_COMPLETED] * 2
    for i in range(2):
        out = read(exp_dir / "exp" / "ens" / f"ens_{i}" / f"ens_{i}.out")
        assert f"SSDB={','.join(addr)}\n" in out
        assert "SR_DB_TYPE=Clustered\n" in out
        assert f"SSKEYOUT=ens_{i}\n" in out
    exp.stop()
    assert not db.is_active()


def test_long_running_application_is_stopped_and_cancelled(exp_dir):
    exp = Experiment("stop", exp_path=str(exp_dir / "exp"))
    m = exp.create_model("sleeper", exp.create_run_settings("sleep", exe_args="30"))
    exp.start(m, block=False)
    assert exp.get_status(m) == [SmartSimStatus.STATUS_RUNNING]
    assert not exp.finished(m)
    assert processes_under(str(exp_dir / "exp"))
    exp.stop(m)
    assert exp.get_status(m) == [SmartSimStatus.STATUS_CANCELLED]
    assert exp.finished(m)
    exp.poll(interval=0.1, verbose=False)  # nothing running: returns at once


def test_blocking_start_releases_the_gil(exp_dir):
    exp = Experiment("gil", exp_path=str(exp_dir / "exp"))
    m = exp.create_model("sleeper", exp.create_run_settings("sleep", exe_args=["1"]))
    ticks = []
    t = threading.Thread(target=lambda: exp.start(m, block=True))
    t0 = time.time()
    t.start()
    while t.is_alive():
        ticks.append(1)
        time.sleep(0.01)
    t.join()
    assert time.time() - t0 >= 0.9
    assert len(ticks) > 20  # the main thread ran while start() waited
    assert exp.get_status(m) == [SmartSimStatus.STATUS_COMPLETED]


def test_failures_name_the_problem(exp_dir):
    exp = Experiment("errors", exp_path=str(exp_dir / "exp"))
    with pytest.raises(ValueError, match="db_nodes|2"):
        exp.create_database(port=0, db_nodes=2)
    m = exp.create_model("m", exp.create_run_settings("true"))
    with pytest.raises(ValueError, match="backend"):
        m.add_ml_model("x", "PYTORCH", model=b"abc")
    with pytest.raises(ValueError, match="model_path"):
        m.add_ml_model("x", "TORCH")
    m.add_ml_model("gone", "ONNX", model_path=str(exp_dir / "missing.onnx"))
    db = exp.create_database(port=0)
    with pytest.raises(RuntimeError, match="model m, ML model gone"):
        exp.start(db, m)
    assert not db.is_active()


@pytest.mark.skipif(not HAVE_TORCH, reason="the TORCH backend is not built")
@pytest.mark.parametrize("mode", ["standalone", "cluster", "colocated_tcp", "colocated_uds", "tls"])
def test_attached_model_and_function_run_in_the_app(exp_dir, mode):
    app = write_app(exp_dir, MODEL_APP, "model_app.py")
    exp = Experiment("models", exp_path=str(exp_dir / "exp"))
    m = exp.create_model("m", exp.create_run_settings(sys.executable, exe_args=[app, MODELS]))
    with open(os.path.join(MODELS, "mlp_traced.pt"), "rb") as f:
        m.add_ml_model("mlp", "TORCH", model=f.read(), device="CPU")  # in memory
    m.add_function("times_two", times_two)  # a Python callable: its source is stored
    entities = [m]
    if mode == "colocated_tcp":
        m.colocate_db_tcp(port=free_port(), ifname="lo", db_cpus=1)
    elif mode == "colocated_uds":
        m.colocate_db_uds(unix_socket=str(exp_dir / "db.sock"), db_cpus=1)
    elif mode == "tls":  # the driver stores them over TLS too
        entities.insert(0, exp.create_database(port=0, tls=True))
    else:
        entities.insert(0, exp.create_database(port=0, db_nodes=3 if mode == "cluster" else 1))
    exp.start(*entities, block=True)
    err = read(exp_dir / "exp" / "m" / "m.err")
    assert exp.get_status(m) == [SmartSimStatus.STATUS_COMPLETED], err
    assert "model app: ok" in read(exp_dir / "exp" / "m" / "m.out")
    exp.stop()


@pytest.mark.skipif(not HAVE_TORCH, reason="the TORCH backend is not built")
def test_corrupted_model_fails_start_and_leaves_nothing(exp_dir):
    exp = Experiment("bad", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=0, db_nodes=3)
    m = exp.create_model("m", exp.create_run_settings("true"))
    m.add_ml_model("broken", "TORCH", model=b"not a torchscript archive")
    with pytest.raises(RuntimeError, match="model m: storing ML model broken"):
        exp.start(db, m)
    assert not db.is_active()
    assert not processes_under(str(exp_dir / "exp"))


def test_ctrl_c_during_a_blocking_start_stops_everything(exp_dir):
    """kill_on_interrupt: KeyboardInterrupt reaches the driver and the experiment is stopped."""
    import _thread

    exp = Experiment("interrupt", exp_path=str(exp_dir / "exp"))
    db = exp.create_database(port=0)
    m = exp.create_model("sleeper", exp.create_run_settings("sleep", exe_args=["30"]))
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    t0 = time.time()
    with pytest.raises(KeyboardInterrupt):
        exp.start(db, m, block=True)
    timer.join()
    assert time.time() - t0 < 15
    assert exp.get_status(m) == [SmartSimStatus.STATUS_CANCELLED]
    assert not db.is_active()
    # poll() is interruptible the same way.
    m2 = exp.create_model("sleeper2", exp.create_run_settings("sleep", exe_args=["30"]))
    exp.start(m2, block=False)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        exp.poll(interval=0.2, verbose=False)
    timer.join()
    assert exp.get_status(m2) == [SmartSimStatus.STATUS_CANCELLED]


@pytest.mark.skipif(not HAVE_TORCH, reason="the TORCH backend is not built")
def test_colocated_under_mpirun_every_rank_sees_the_stored_objects(exp_dir):
    """Two ranks on one host: one database; the rank that did not start it waits until the
    models and functions are stored before its application runs."""
    app = write_app(exp_dir, MODEL_APP, "model_app.py")
    exp = Experiment("mpi", exp_path=str(exp_dir / "exp"))
    rs = exp.create_run_settings(sys.executable, exe_args=[app, MODELS], run_command="mpirun")
    rs.set_tasks(2)
    m = exp.create_model("m", rs)
    m.colocate_db_tcp(port=free_port(), db_cpus=1)
    m.add_ml_model("mlp", "TORCH", model_path=os.path.join(MODELS, "mlp_traced.pt"))
    m.add_function("times_two", times_two)
    exp.start(m, block=True)
    out = read(exp_dir / "exp" / "m" / "m.out")
    assert exp.get_status(m) == [SmartSimStatus.STATUS_COMPLETED], read(exp_dir / "exp" / "m" / "m.err")
    assert out.count("model app: ok") == 2, out
    assert out.count("database pid") == 1, out
