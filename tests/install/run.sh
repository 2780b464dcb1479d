#!/usr/bin/env bash
# The installed tree, used the way a user would: `cmake --install` into a temporary prefix, MOVE
# the prefix, then from the moved prefix only (no INSITU_MODULE, no LD_LIBRARY_PATH):
#   - the tree is complete and relocatable (RUNPATHs $ORIGIN-relative, no staged or build path in
#     the CMake package or the pkg-config files, libraries resolved inside the prefix);
#   - `insitu validate` passes for every backend this build has, with the moved module and plugins;
#   - `insitu db start --shards 3` starts a cluster that loads the moved module;
#   - C++, C and Fortran programs built with find_package(insitu), the same sources built with
#     pkg-config, and a Python program (the wheel pip-installed offline into a temporary venv, and
#     the package imported from the prefix) pass a tensor along a chain, each checking the values
#     it reads and doubling them (in the database, with TorchScript, when TORCH is built);
#   - a C++ driver (insitu::launch) starts its own database with the moved module;
#   - `insitu db stop` stops the cluster.
# Usage: run.sh <build dir> <BACKEND,...>   (the backends the build has; each must validate)
set -euo pipefail
build=$(cd "$1" && pwd)
backends=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/insitu-install.XXXXXX")
P=$work/moved/prefix
dbdir=$work/db
start=$SECONDS

cleanup() {
    local pid
    pid=$(sed -n 's/^pid=//p' "$dbdir/insitu-db.state" 2>/dev/null || true)
    if [ -n "$pid" ]; then
        "$P/bin/insitu" db stop --dir "$dbdir" >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "install test: FAILED (line $LINENO: $BASH_COMMAND)" >&2' ERR
fail() { echo "install test: FAILED: $*" >&2; exit 1; }
step() { echo "== $* ($((SECONDS - start)) s)"; }
# The tests run without the build's hints: everything must come from the moved prefix.
unset INSITU_MODULE RAI_PATH INSITU_CLI PYTHONPATH LD_LIBRARY_PATH SSDB SR_DB_TYPE

step "install into $work/staged, then move it to $P"
cmake --install "$build" --prefix "$work/staged" >"$work/install.log"
mkdir -p "$work/moved"
mv "$work/staged" "$P"
du -sh "$P" | sed 's/^/installed size: /'

step "contents"
for f in bin/insitu lib/libinsitu_client.so lib/libinsitu_launch.so lib/libinsitu_c.so \
    lib/libinsitu_fortran.so lib/insitu/libinsitu_ai.so include/insitu/client.h \
    include/insitu/experiment.h include/insitu/launch_errors.h include/insitu/insitu.h \
    include/insitu/fortran/insitu.mod \
    lib/cmake/insitu/insituConfig.cmake lib/cmake/insitu/insituTargets.cmake \
    lib/pkgconfig/insitu.pc lib/pkgconfig/insitu-c.pc lib/pkgconfig/insitu-fortran.pc \
    lib/python3/dist-packages/insitu/__init__.py lib/python3/dist-packages/insitu/ml/torch/__init__.py; do
    [ -e "$P/$f" ] || fail "$f is not installed"
done
for b in ${backends//,/ }; do
    lower=$(echo "$b" | tr 'A-Z' 'a-z')
    [ -f "$P/lib/insitu/backends/libinsitu_backend_$lower.so" ] || fail "the $b plugin is not installed"
done
case ",$backends," in *,ONNX,*) [ -f "$P/lib/insitu/runtime/libonnxruntime.so.1" ] || fail "ONNX Runtime not shipped" ;; esac
case ",$backends," in *,TFLITE,*) [ -f "$P/lib/insitu/runtime/libtensorflowlite_c.so" ] || fail "TFLite not shipped" ;; esac
wheel=$(ls "$P"/share/insitu/python/insitu-*.whl 2>/dev/null) || fail "no wheel in share/insitu/python"
for t in client launch c fortran; do
    grep -q "add_library(insitu::$t SHARED IMPORTED)" "$P/lib/cmake/insitu/insituTargets.cmake" ||
        fail "insitu::$t is not exported"
done

step "relocatable: RUNPATHs, text files, library resolution"
while IFS= read -r -d '' f; do
    head -c 4 "$f" | grep -q 'ELF' || continue
    rp=$(readelf -d "$f" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
    for entry in ${rp//:/ }; do
        case "$entry" in '$ORIGIN'*) ;; *) fail "${f#"$P"/} has a non-relative RUNPATH entry $entry" ;; esac
    done
done < <(find "$P" -type f -print0)
if grep -rIl -e "$work/staged" -e "$build" "$P/lib/cmake" "$P/lib/pkgconfig" "$P/lib/python3"; then
    fail "the files above name the staging or the build folder"
fi
for f in bin/insitu lib/insitu/libinsitu_ai.so \
    $(cd "$P" && ls lib/python3/dist-packages/insitu/_insitu*.so lib/insitu/backends/*.so 2>/dev/null); do
    ldd "$P/$f" >"$work/ldd.txt"
    if grep -q 'not found' "$work/ldd.txt"; then cat "$work/ldd.txt"; fail "$f: unresolved libraries"; fi
    if grep -E 'libinsitu|libonnxruntime|libtensorflowlite' "$work/ldd.txt" | grep -vq "=> $P/"; then
        cat "$work/ldd.txt"; fail "$f resolves an insitu library outside the moved prefix"
    fi
done

step "insitu info / validate from the moved prefix"
"$P/bin/insitu" info >"$work/info.txt"
grep -q "module  *$P/lib/insitu/libinsitu_ai.so" "$work/info.txt" || { cat "$work/info.txt"; fail "info: module not in the moved prefix"; }
grep -q "insitu  *$P/bin/insitu" "$work/info.txt" || { cat "$work/info.txt"; fail "info: CLI not the moved one"; }
"$P/bin/insitu" validate --require "$backends" >"$work/validate.txt" 2>&1 || { cat "$work/validate.txt"; fail "insitu validate"; }
grep -q 'insitu validate: OK' "$work/validate.txt" || { cat "$work/validate.txt"; fail "insitu validate did not say OK"; }
for b in ${backends//,/ }; do
    grep -Eq "^ *$b +ok " "$work/validate.txt" || { cat "$work/validate.txt"; fail "validate: $b not ok"; }
done
sed 's/^/  /' "$work/validate.txt"

step "build consumers: find_package(insitu) and pkg-config"
cmake -S "$here/consumer" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$P" >"$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log"; fail "find_package(insitu) consumers did not configure"; }
grep -qx "$P/lib/insitu/libinsitu_ai.so" "$work/cmake-build/insitu_module.txt" || fail "INSITU_MODULE is not the moved module"
cmake --build "$work/cmake-build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "consumers did not build"; }
export PKG_CONFIG_PATH=$P/lib/pkgconfig
[ "$(realpath "$(pkg-config --variable=prefix insitu)")" = "$(realpath "$P")" ] || fail "insitu.pc: prefix is not the moved one"
libdir=$(pkg-config --variable=libdir insitu)
# shellcheck disable=SC2046  # word splitting of pkg-config's flags is intended
{
    g++ "$here/consumer/main.cpp" -o "$work/pc_cpp" $(pkg-config --cflags --libs insitu) -Wl,-rpath,"$libdir"
    gcc "$here/consumer/main.c" -o "$work/pc_c" $(pkg-config --cflags --libs insitu-c) -Wl,-rpath,"$libdir"
    gfortran "$here/consumer/main.f90" -o "$work/pc_fortran" $(pkg-config --cflags --libs insitu-fortran) -Wl,-rpath,"$libdir"
} || fail "pkg-config consumers did not build"

step "insitu db start --shards 3 from the moved prefix"
"$P/bin/insitu" db start --shards 3 --port 0 --dir "$dbdir" >"$work/db.env" 2>"$work/db.err" ||
    { cat "$work/db.err"; fail "insitu db start"; }
# shellcheck disable=SC1091
. "$work/db.env"
[ "$SR_DB_TYPE" = Clustered ] || fail "db start: SR_DB_TYPE=$SR_DB_TYPE"
# Secure by default: the application user and its password file (0600), never the password.
[ "$SR_DB_USER" = app ] || fail "db start: SR_DB_USER=$SR_DB_USER"
[ "$(stat -c %a "$SR_DB_PASSWORD_FILE")" = 600 ] || fail "db start: $SR_DB_PASSWORD_FILE is not 0600"
! grep -qF "$(cat "$SR_DB_PASSWORD_FILE")" "$work/db.env" || fail "db start printed a password"
[ "$(echo "$SSDB" | tr ',' '\n' | wc -l)" = 3 ] || fail "db start: SSDB=$SSDB is not 3 shards"
modules=$(grep -rh '^loadmodule' "$dbdir" | sort -u)
[ "$modules" = "loadmodule \"$P/lib/insitu/libinsitu_ai.so\"" ] || [ "$modules" = "loadmodule $P/lib/insitu/libinsitu_ai.so" ] ||
    fail "the shards load $modules, not the moved module"
echo "  SSDB=$SSDB"

step "a tensor through C++, C, Fortran, Python (venv and prefix) and the pkg-config builds"
"$work/cmake-build/consumer" put install.a
"$work/cmake-build/consumer_c" install.a install.b 1 2 3
"$work/cmake-build/consumer_fortran" install.b install.c 2 4 6
# A venv without its own pip (creating one costs ~20 s here): Debian's pip installs into it.
/usr/bin/python3 -m venv --without-pip --system-site-packages "$work/venv"
PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 /usr/bin/python3 -m pip --python "$work/venv/bin/python" \
    install -q --no-deps "$wheel" || fail "pip install of the wheel"
torch=
case ",$backends," in *,TORCH,*) torch=--torch ;; esac
(cd "$work" && venv/bin/python "$here/consumer/consumer.py" install.c install.d 4 8 12 $torch) | tee "$work/py.txt"
grep -q "$work/venv/lib/python3[^/]*/site-packages/insitu" "$work/py.txt" || fail "Python did not import the venv's package"
(cd "$work" && PYTHONPATH=$P/lib/python3/dist-packages /usr/bin/python3 "$here/consumer/consumer.py" install.d install.e 8 16 24) |
    tee "$work/py2.txt"
grep -q "$P/lib/python3/dist-packages/insitu" "$work/py2.txt" || fail "Python did not import the prefix's package"
"$work/pc_c" install.e install.f 16 32 48
"$work/pc_fortran" install.f install.g 32 64 96
"$work/pc_cpp" get install.g 64 128 192
# A bad address is a typed error (Parameter, exit 3), not a crash or a hang.
rc=0
SSDB=no-port-here "$work/pc_cpp" put install.x >/dev/null || rc=$?
[ "$rc" -eq 3 ] || fail "a bad SSDB gave exit $rc, not the typed error"

step "a C++ driver (insitu::launch) starts its own database"
"$work/cmake-build/consumer_driver" "$work/exp"
modules=$(grep -rh '^loadmodule' "$work/exp" | sort -u)
case "$modules" in *"$P/lib/insitu/libinsitu_ai.so"*) ;; *) fail "the driver's database loads $modules" ;; esac

step "insitu db stop"
pid=$(sed -n 's/^pid=//p' "$dbdir/insitu-db.state")
"$P/bin/insitu" db stop --dir "$dbdir"
! kill -0 "$pid" 2>/dev/null || fail "the supervisor $pid still runs"
for a in ${SSDB//,/ }; do
    # Any answer (PONG, or NOAUTH without credentials) means the shard still runs.
    [ -z "$(redis-cli -h "${a%:*}" -p "${a##*:}" ping 2>/dev/null)" ] || fail "shard $a still answers"
done
echo "install test: OK ($((SECONDS - start)) s)"
