"""Python against an installed insitu: consumer.py SRC DST a b c [--torch] reads SRC (from
SSDB), checks it is [a, b, c] and stores DST = 2 * SRC, computed by a TorchScript script run in
the database when --torch is given (the installed module loads the installed TORCH plugin)."""

import sys

import numpy as np

import insitu
import insitu.ml  # a subpackage: installed, and in the wheel

src, dst, *values = sys.argv[1:6]
want = np.array([float(v) for v in values], dtype=np.float32)
client = insitu.Client(logger_name="consumer_py")
x = client.get_tensor(src)
if x.dtype != np.float32 or not np.array_equal(x, want):
    sys.exit(f"Python: {src} = {x!r}, expected {want!r}")
if "--torch" in sys.argv:
    client.set_script("install_double", "def double(x):\n    return x * 2\n", device="CPU")
    client.run_script("install_double", "double", [src], [dst])
else:
    client.put_tensor(dst, x * 2)
y = client.get_tensor(dst)
if not np.array_equal(y, want * 2):
    sys.exit(f"Python: {dst} = {y!r}, expected {want * 2!r}")
print(f"Python ({insitu.__file__}) {src} -> {dst} = {y.tolist()} ok")
