"""client.pipeline(): queued puts and reads give what the single calls give (bit for bit), keep
queue order per key, report errors per item, and share round trips (the servers' read counts)."""

import gc
import sys

import numpy as np
import pytest

import insitu


def _arrays():
    rng = np.random.default_rng(7)
    return {
        "pl_f64": rng.standard_normal((3, 4)),
        "pl_f32": rng.standard_normal(5).astype(np.float32),
        "pl_i8": rng.integers(-128, 127, (2, 3, 4), dtype=np.int8),
        "pl_u16_fortran": np.asfortranarray(rng.integers(0, 65535, (3, 5), dtype=np.uint16)),
        "pl_i64_view": np.arange(40, dtype=np.int64).reshape(4, 10)[:, ::3],  # not contiguous
        "pl_bool": rng.integers(0, 2, 6).astype(bool),
    }


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and \
        np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def test_results_equal_the_single_calls(client):
    arrays = _arrays()
    with client.pipeline() as p:
        puts = [p.put_tensor(name, a) for name, a in arrays.items()]
    assert all(r.done() and r.result() is None for r in puts)
    for name, a in arrays.items():
        assert _same(client.get_tensor(name), a), name
    outs = {name: np.zeros_like(a, order="C") for name, a in arrays.items()}
    with client.pipeline() as p:
        gets = {name: p.get_tensor(name) for name in arrays}
        unpacks = {name: p.unpack_tensor(name, outs[name]) for name in arrays}
    for name, a in arrays.items():
        assert _same(gets[name].result(), a), name
        assert unpacks[name].result() is outs[name]
        assert _same(outs[name], a), name
    # Several windows (64 items each) in one pipeline.
    many = {f"pl_many{i}": np.full((2, 2), i, dtype=np.float32) for i in range(150)}
    with client.pipeline() as p:
        for name, a in many.items():
            p.put_tensor(name, a)
    assert all(_same(b, a) for b, a in zip(client.get_tensors(list(many)), many.values()))


def test_a_put_sends_the_array_as_it_was_when_queued(client):
    a = np.arange(6, dtype=np.float64)
    with client.pipeline() as p:
        p.put_tensor("pl_snapshot", a)
        a[:] = -1
    assert _same(client.get_tensor("pl_snapshot"), np.arange(6, dtype=np.float64))


def test_queue_flushes_on_window_and_on_result(client):
    x = np.ones(3, dtype=np.float32)
    p = client.pipeline(window=3)
    first = p.put_tensor("pl_w0", x)
    p.put_tensor("pl_w1", x)
    assert len(p) == 2 and not first.done()
    assert not client.tensor_exists("pl_w0"), "sent before the window filled"
    p.put_tensor("pl_w2", x)
    assert len(p) == 0 and first.done()
    assert client.tensor_exists("pl_w2")
    q = client.pipeline(window=0)
    r = q.get_tensor("pl_w1")
    assert len(q) == 1 and not r.done()
    assert _same(r.result(), x)  # asking for the result sends the queue
    assert len(q) == 0 and r.done()
    with pytest.raises(ValueError):
        client.pipeline(window=-1)
    with pytest.raises(TypeError):
        client.pipeline(window=2.5)


def test_queue_order_kept_for_one_key(client):
    a, b = np.array([1, 2, 3], dtype=np.int32), np.array([7, 8, 9], dtype=np.int32)
    with client.pipeline() as p:
        p.put_tensor("pl_k", a)
        r1 = p.get_tensor("pl_k")
        p.put_tensor("pl_k", b)
        r2 = p.get_tensor("pl_k")
    assert _same(r1.result(), a)
    assert _same(r2.result(), b)


def test_errors_per_item(client):
    v = np.array([1.5, -2.0, 3.25], dtype=np.float32)
    client.put_tensor("pl_f3", v)
    right, wrong_shape = np.zeros(3, np.float32), np.full(4, -1, np.float32)
    wrong_type = np.full(3, -1, np.float64)
    with client.pipeline(raise_on_error=False) as p:
        good_put = p.put_tensor("pl_g", v)
        missing = p.get_tensor("pl_nowhere")
        dtype = p.unpack_tensor("pl_f3", wrong_type)
        shape = p.unpack_tensor("pl_f3", wrong_shape)
        good = p.unpack_tensor("pl_g", right)
    assert good_put.result() is None
    with pytest.raises(insitu.RedisKeyError, match="pl_nowhere"):
        missing.result()
    with pytest.raises(insitu.RedisTypeError):
        dtype.result()
    with pytest.raises(insitu.RedisParameterError):
        shape.result()
    assert good.result() is right and _same(right, v)
    assert (wrong_type == -1).all() and (wrong_shape == -1).all(), "a failed item's array written"
    # By default leaving the block raises the first failure; the other items are done.
    with pytest.raises(insitu.RedisKeyError, match="pl_nowhere"):
        with client.pipeline() as p:
            p.put_tensor("pl_done", v)
            p.get_tensor("pl_nowhere")
    assert client.tensor_exists("pl_done")
    with pytest.raises(insitu.RedisKeyError, match="2 of 3 pipeline items failed"):
        with client.pipeline() as p:
            p.get_tensor("pl_nowhere")
            p.get_tensor("pl_g")
            p.get_tensor("pl_nowhere_either")
    # Arguments refused when queued raise at once.
    with pytest.raises(insitu.RedisParameterError):
        client.pipeline().unpack_tensor("pl_g", [0.0, 0.0, 0.0])
    with pytest.raises(insitu.RedisParameterError):
        client.pipeline().unpack_tensor("pl_g", np.zeros(6, np.float32)[::2])


def _reads(client):
    """Reads the servers did on client sockets (INFO stats), summed over the nodes."""
    total = 0
    for info in client.get_db_node_info(client.node_addresses()):
        fields = {k: v for section in info.values() for k, v in section.items()}
        total += int(fields["total_reads_processed"])
    return total


def test_queued_calls_share_round_trips(client):
    n = 32
    x = np.full(16, 0.5, dtype=np.float32)
    client.put_tensor("pl_warm", x)
    nodes = len(client.node_addresses())
    before = _reads(client)
    for i in range(n):
        client.put_tensor(f"pl_one{i}", x)
    single = _reads(client) - before
    before = _reads(client)
    with client.pipeline() as p:
        for i in range(n):
            p.put_tensor(f"pl_many{i}", x)
        p.flush()
        gets = [p.get_tensor(f"pl_many{i}") for i in range(n)]
    pipelined = _reads(client) - before
    assert all(_same(g.result(), x) for g in gets)
    assert single >= n
    # Per node: one read for the puts, up to two for the gets (reads of unknown size go in windows
    # of 16), one for INFO; one at a time it would be 2 * n + nodes.
    assert pipelined <= 4 * nodes + 2, (pipelined, single)


def test_arrays_are_released_after_the_flush(client):
    """The pipeline holds a queued item's array only until the flush that sends it, and a
    pipeline dropped with items queued sends them."""
    a, out = np.arange(4.0), np.zeros(4)
    counts = sys.getrefcount(a), sys.getrefcount(out)
    for _ in range(50):
        with client.pipeline() as p:
            p.put_tensor("pl_ref", a)
            p.unpack_tensor("pl_ref", out)
            p.get_tensor("pl_ref")
    gc.collect()
    assert (sys.getrefcount(a), sys.getrefcount(out)) == counts  # `p` is still alive here
    del p
    p = client.pipeline(window=0)
    r = p.put_tensor("pl_dropped", a)
    del p
    gc.collect()
    assert r.done() and r.result() is None
    assert client.tensor_exists("pl_dropped")
