"""Free TCP ports for test servers, picked the way the C++ side picks them (src/core/free_port.h):
below the kernel's ephemeral range (so no outgoing connection takes a port, or its cluster bus
port + 10000, between the check and the server's bind) and reserved with an flock'd file in
<tmp>/insitu-ports-<uid>/ for as long as this process lives (so no other test process hands the
same port out while ctest runs tests side by side)."""
import fcntl
import os
import random
import socket

_held = []  # open reservation files: the flocks last until the process exits


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _reserve(port, folder):
    try:
        f = open(os.path.join(folder, str(port)), "a")
    except OSError:
        return True  # no registry: the bind probe alone decides
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return False
    _held.append(f)
    return True


def _bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_block(n=1, taken=()):
    """A port P with P..P+n-1 and their cluster bus ports (+10000) free and reserved."""
    folder = os.path.join(os.environ.get("TMPDIR") or "/tmp", "insitu-ports-%d" % os.getuid())
    os.makedirs(folder, mode=0o700, exist_ok=True)
    first, last = 10000, _ephemeral_low() - 10000 - n
    if last - first < 2000:
        first, last = 20000, 45000
    for _ in range(2000):
        p = random.randint(first, last)
        block = range(p, p + n)
        if any(q in taken for q in block):
            continue
        if not all(_bindable(q) and _bindable(q + 10000) for q in block):
            continue
        got = []
        for q in block:
            if not _reserve(q, folder):
                break
            got.append(q)
        if len(got) == n:
            return p
    raise RuntimeError("no free block of %d ports" % n)


def free_port():
    return free_port_block(1)
