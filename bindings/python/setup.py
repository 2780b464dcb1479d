"""pip install for the insitu Python package, offline (Debian's setuptools and wheel; no
pyproject.toml, so pip builds in place without an isolated build environment to download).

The package is the self-contained directory the CMake build makes at <build>/python/insitu (the
.py files, the _insitu extension and libinsitu_client.so, linked with RPATH $ORIGIN):
  INSITU_BUILD_DIR=<build> pip install bindings/python     uses that build tree as is;
  pip install bindings/python                              configures and builds the
                                                           insitu_python target with CMake first.
"""

import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
# The insitu source tree (set when this directory was copied elsewhere to build).
ROOT = os.environ.get("INSITU_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))


def version():
    with open(os.path.join(ROOT, "include", "insitu", "version.h")) as f:
        for line in f:
            if line.startswith("#define INSITU_VERSION_STRING"):
                return line.split('"')[1]
    raise RuntimeError("no INSITU_VERSION_STRING in version.h")


def built_package(build_temp):
    """The build tree's package directory, building it with CMake when none is given."""
    build = os.environ.get("INSITU_BUILD_DIR")
    if not build:
        build = os.path.abspath(os.path.join(build_temp, "cmake"))
        jobs = os.environ.get("INSITU_BUILD_JOBS", "2")
        subprocess.check_call(["cmake", "-S", ROOT, "-B", build, "-DINSITU_BUILD_TESTS=OFF",
                               "-DCMAKE_BUILD_TYPE=Release"])
        subprocess.check_call(["cmake", "--build", build, "--target", "insitu_python",
                               "-j", jobs])
    package = os.path.join(build, "python", "insitu")
    if not os.path.exists(os.path.join(package, "__init__.py")):
        raise RuntimeError(f"{package} has no built insitu package (build target insitu_python)")
    return package


class BuildFromCMake(build_py):
    """Copies the built package (Python files and shared libraries) instead of sources."""

    def run(self):
        src = built_package(self.get_finalized_command("build").build_temp)
        dst = os.path.join(self.build_lib, "insitu")
        if os.path.exists(dst):
            shutil.rmtree(dst)
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))


class BinaryDistribution(Distribution):
    """The wheel holds compiled code: tag it for this platform and Python."""

    def has_ext_modules(self):
        return True


setup(
    name="insitu",
    version=version(),
    description="SmartSim-compatible in-situ data exchange: SmartRedis's Python client API",
    packages=["insitu", "insitu.ml", "insitu.ml.torch"],
    package_dir={"insitu": "insitu"},
    python_requires=">=3.9",
    install_requires=[],  # numpy is needed at run time; Debian's python3-numpy provides it
    cmdclass={"build_py": BuildFromCMake},
    distclass=BinaryDistribution,
    zip_safe=False,
)
