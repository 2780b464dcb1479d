"""insitu.Pipeline (insitu extension, not in SmartRedis): tensor calls queued on a client and
sent together, so that many small tensors share round trips.

    with client.pipeline() as p:
        p.put_tensor("u", u)
        v = p.get_tensor("v")
        p.unpack_tensor("w", w)        # fills w
    v.result()                         # the array; raises that item's error (RedisKeyError, ...)

Each call returns a PipelineResult: ``done()`` tells whether it was sent, ``result()`` gives None
for a put and the array for a read, or raises the error the single call would have raised. The
queue goes out on ``flush()``, when ``window`` items are queued, on leaving the ``with`` block, or
when ``result()`` of a queued item is asked for. Puts and reads are sent in queue order (a read
after a put of the same key sees it), each run of them as one batch call (Client.put_tensors,
unpack_tensors, get_tensors: pipelined per shard).

A put sends a copy of its array taken when it is queued; an unpack fills the caller's array during
the flush. Leaving the ``with`` block raises the first failed item's error (``raise_on_error``;
the other items are done either way). Like the client, a pipeline is used from one thread.
"""

from . import _insitu
from .error import RedisReplyError

PipelineResult = _insitu.PipelineResult


class Pipeline(_insitu.Pipeline):
    """Queued put_tensor / unpack_tensor / get_tensor calls of `client` (see the module's doc)."""

    def __init__(self, client, window=64, raise_on_error=True):
        if not isinstance(window, int) or isinstance(window, bool):
            raise TypeError("Pipeline: window must be an int")
        if window < 0:
            raise ValueError("Pipeline: window must not be negative")
        super().__init__(client, window)
        self._raise_on_error = raise_on_error
        self._results = []

    def _track(self, result):
        if self._raise_on_error:
            self._results.append(result)
        return result

    def put_tensor(self, name, data):
        """Queues a put of (a copy of) `data`; returns its PipelineResult."""
        return self._track(super().put_tensor(name, data))

    def unpack_tensor(self, name, result):
        """Queues a read into `result` (writeable, contiguous, of the tensor's dtype and shape)."""
        return self._track(super().unpack_tensor(name, result))

    def get_tensor(self, name):
        """Queues a read into a new array, the PipelineResult's result()."""
        return self._track(super().get_tensor(name))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.flush()
        results, self._results = self._results, []
        if exc_type is not None:
            return False
        failed = []
        for r in results:
            try:
                r.result()
            except RedisReplyError as e:
                failed.append(e)
        if len(failed) == 1:
            raise failed[0]
        if failed:
            first = failed[0]
            raise type(first)(f"{len(failed)} of {len(results)} pipeline items failed; the "
                              f"first: {first}") from first
        return False
