#!/usr/bin/env bash
# `pip install` of the insitu Python package into a fresh virtual environment (Debian's Python,
# --system-site-packages for numpy), with no package index, then a put/get from outside the
# source and build trees. Usage: pip_install.sh <bindings/python dir> <build dir>
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/insitu-pip.XXXXXX")
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
# The already-built package is used (setup.py builds it with CMake when INSITU_BUILD_DIR is unset).
# pip builds in the directory it is given: a copy, so the source tree stays clean.
cp -r "$src" "$work/src"
rm -rf "$work/src/build" "$work/src"/*.egg-info
INSITU_SOURCE_DIR=$(cd "$src/../.." && pwd) INSITU_BUILD_DIR=$build PIP_NO_INDEX=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$work/venv/bin/python" -m pip install -q "$work/src"
cd "$work"
"$work/venv/bin/python" - <<'PY'
import sys
import numpy as np
import insitu
assert insitu.__file__.startswith(sys.prefix), insitu.__file__   # the installed copy
c = insitu.Client(logger_name="pip")
a = np.arange(12, dtype=np.int32).reshape(3, 4)
c.put_tensor("pip_installed", a)
np.testing.assert_array_equal(c.get_tensor("pip_installed"), a)
c.delete_tensor("pip_installed")
# The driver API from the installed copy: a standalone database and an application.
exp = insitu.Experiment("pip-exp")
db = exp.create_database(port=0)
m = exp.create_model("m", exp.create_run_settings("true"))
exp.start(db, m)
assert exp.get_status(m) == [insitu.SmartSimStatus.STATUS_COMPLETED], exp.summary()
exp.stop()
assert not db.is_active()
print("pip install: OK", insitu.__file__)
PY
"$work/venv/bin/python" -m pip uninstall -y -q insitu
