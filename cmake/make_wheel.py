"""Writes a wheel of an installed insitu Python package, for `pip install` into a venv offline.

Usage: make_wheel.py <package dir> <version> <output dir>

The package directory is the installed one (<prefix>/lib/python3/dist-packages/insitu); its
symlinks to the installed libraries are followed, so the wheel holds real copies next to the
extension, whose RUNPATH is $ORIGIN. Run by `cmake --install` (cmake/install.cmake) with the
Python insitu was built for, which fixes the wheel's tag. Deterministic: fixed timestamps, sorted.
"""

import base64
import hashlib
import os
import sys
import sysconfig
import zipfile

STAMP = (1980, 1, 1, 0, 0, 0)


def tag():
    py = f"cp{sys.version_info.major}{sys.version_info.minor}"
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{py}-{py}-{plat}"


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main(package, version, out_dir):
    if not os.path.isfile(os.path.join(package, "__init__.py")):
        sys.exit(f"make_wheel: {package} is not an installed insitu package (no __init__.py)")
    files = []
    for root, dirs, names in os.walk(package, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            if n.endswith(".pyc"):
                continue
            path = os.path.join(root, n)
            arc = "insitu/" + os.path.relpath(path, package).replace(os.sep, "/")
            with open(path, "rb") as f:  # follows symlinks: the wheel holds the libraries
                files.append((arc, f.read(), os.stat(path).st_mode))
    info = f"insitu-{version}.dist-info"
    meta = {
        "METADATA": f"Metadata-Version: 2.1\nName: insitu\nVersion: {version}\n"
                    "Summary: SmartSim-compatible in-situ data exchange: SmartRedis's Python client API\n"
                    "Requires-Python: >=3.9\n",
        "WHEEL": f"Wheel-Version: 1.0\nGenerator: insitu make_wheel.py\nRoot-Is-Purelib: false\nTag: {tag()}\n",
        "top_level.txt": "insitu\n",
    }
    for name, text in meta.items():
        files.append((f"{info}/{name}", text.encode(), 0o644))
    record = "".join(f"{arc},{digest(data)},{len(data)}\n" for arc, data, _ in files)
    record += f"{info}/RECORD,,\n"
    files.append((f"{info}/RECORD", record.encode(), 0o644))

    os.makedirs(out_dir, exist_ok=True)
    wheel = os.path.join(out_dir, f"insitu-{version}-{tag()}.whl")
    tmp = wheel + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for arc, data, mode in files:
            zi = zipfile.ZipInfo(arc, STAMP)
            zi.external_attr = ((mode & 0o777) | 0o100000) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    os.replace(tmp, wheel)
    print(f"-- Installing: {wheel}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
