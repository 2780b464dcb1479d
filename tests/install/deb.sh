#!/usr/bin/env bash
# The Debian package, installed for real (root only: it writes /usr): builds it with cpack, checks
# its control data and contents, installs it with apt-get (offline: scripts/install-deps already
# installed every dependency), runs `insitu validate` and the Python package from /usr, then
# `apt-get remove` and `purge`, and checks that no file of the package is left behind.
# Usage (as root): tests/install/deb.sh <build dir> [BACKEND,...]   (default: every plugin built)
set -euo pipefail
fail() { echo "deb test: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "must run as root (it installs the package into /usr with apt-get; uid is $(id -u))"
[ $# -ge 1 ] || fail "usage: deb.sh <build dir> [BACKEND,...]"
build=$(cd "$1" && pwd)
# The backends whose plugins the build has (each must validate from /usr).
backends=${2:-$(cd "$build/backends" 2>/dev/null && ls libinsitu_backend_*.so 2>/dev/null |
    sed 's/libinsitu_backend_\(.*\)\.so/\1/' | tr 'a-z' 'A-Z' | paste -sd, -)}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/insitu-deb.XXXXXX")
installed=0
cleanup() {
    if [ "$installed" = 1 ]; then DEBIAN_FRONTEND=noninteractive apt-get purge -y -q insitu >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "deb test: FAILED (line $LINENO: $BASH_COMMAND)" >&2' ERR
step() { echo "== $*"; }
unset INSITU_MODULE RAI_PATH INSITU_CLI PYTHONPATH LD_LIBRARY_PATH
if dpkg-query -W -f='${Status}' insitu 2>/dev/null | grep -q 'ok installed'; then
    fail "a package named insitu is already installed; remove it first (this test removes what it installs)"
fi

step "cpack -G DEB (backends: ${backends:-none})"
(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb=$work/pkg/insitu_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { ls "$work/pkg"; fail "no $(basename "$deb")"; }
echo "  $(basename "$deb"): $(du -h "$deb" | cut -f1)"

step "control data and contents"
dpkg-deb -I "$deb" | tee "$work/info.txt"
depends=$(dpkg-deb -f "$deb" Depends)
for p in redis-server python3 python3-numpy 'libopenblas0-pthread \| libopenblas0' 'libtorch[0-9.]*' 'libopencv-dnn[0-9.]*' \
    'libgfortran[0-9]*' 'libstdc\+\+6' libc6; do
    echo "$depends" | grep -Eq "(^|, )$p( |,|$)" || fail "Depends lacks $p: $depends"
done
if echo "$depends" | grep -Eiq 'onnx|tflite|tensorflow'; then fail "Depends names a shipped library: $depends"; fi
dpkg-deb -c "$deb" >"$work/contents.txt"
for f in ./usr/bin/insitu ./usr/lib/libinsitu_client.so ./usr/lib/libinsitu_launch.so ./usr/lib/libinsitu_c.so \
    ./usr/lib/libinsitu_fortran.so ./usr/lib/insitu/libinsitu_ai.so ./usr/include/insitu/fortran/insitu.mod \
    ./usr/lib/cmake/insitu/insituTargets.cmake ./usr/lib/pkgconfig/insitu-c.pc \
    ./usr/lib/python3/dist-packages/insitu/__init__.py ./usr/lib/python3/dist-packages/insitu/ml/torch/__init__.py; do
    grep -q " $f\( \|$\)" "$work/contents.txt" || fail "$f is not in the package"
done
for b in ${backends//,/ }; do
    lower=$(echo "$b" | tr 'A-Z' 'a-z')
    grep -q " ./usr/lib/insitu/backends/libinsitu_backend_$lower.so$" "$work/contents.txt" || fail "no $b plugin in the package"
done
case ",$backends," in *,ONNX,*) grep -q ' ./usr/lib/insitu/runtime/libonnxruntime.so.1$' "$work/contents.txt" || fail "ONNX Runtime not shipped" ;; esac
case ",$backends," in *,TFLITE,*) grep -q ' ./usr/lib/insitu/runtime/libtensorflowlite_c.so$' "$work/contents.txt" || fail "TFLite not shipped" ;; esac
# Every path the package holds, and which of them exist before it is installed (/usr, /usr/lib...).
awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print p }' "$work/contents.txt" | sort -u >"$work/paths.txt"
while read -r p; do if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi; done <"$work/paths.txt" | sort >"$work/before.txt"
if grep -v -e '^/usr$' -e '^/usr/[a-z]*$' -e '^/usr/lib/python3$' -e '^/usr/lib/python3/dist-packages$' \
    -e '^/usr/share/doc$' -e '^/usr/lib/pkgconfig$' -e '^/usr/lib/cmake$' "$work/before.txt"; then
    fail "the files above exist before the package is installed"
fi

step "apt-get install ./$(basename "$deb") (offline)"
# Offline: every dependency must already be installed (scripts/install-deps), nothing fetched.
apt-get install -s "$deb" >"$work/apt-sim.log" 2>&1 || { cat "$work/apt-sim.log"; fail "apt-get install -s"; }
others=$(sed -n 's/^Inst \([^ ]*\).*/\1/p' "$work/apt-sim.log" | grep -vx insitu || true)
[ -z "$others" ] || fail "installing the package would also install: $others (run scripts/install-deps)"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; fail "apt-get install"; }
dpkg -L insitu | sort >"$work/dpkg-L.txt"
missing=$(comm -23 "$work/paths.txt" "$work/dpkg-L.txt")
[ -z "$missing" ] || fail "dpkg -L lacks: $missing"

step "insitu validate from /usr/bin"
cd "$work"
[ "$(command -v insitu)" = /usr/bin/insitu ] || fail "insitu on PATH is $(command -v insitu)"
/usr/bin/insitu info | grep -q 'module  *\/usr\/lib\/insitu\/libinsitu_ai.so' || fail "insitu info: module not /usr/lib/insitu"
/usr/bin/insitu validate --require "$backends" | tee "$work/validate.txt"
grep -q 'insitu validate: OK' "$work/validate.txt" || fail "insitu validate"
# The Python package from /usr (python3 writes __pycache__ there as root; prerm removes it).
env -u PYTHONDONTWRITEBYTECODE /usr/bin/python3 -c 'import insitu, insitu.ml, sys; assert insitu.__file__.startswith("/usr/lib/python3/dist-packages/insitu/"), insitu.__file__; print("python3: insitu", insitu.__version__, insitu.__file__)'
[ -d /usr/lib/python3/dist-packages/insitu/ml/__pycache__ ] || fail "python3 wrote no __pycache__ (the removal check would prove nothing)"

step "apt-get remove, then purge: nothing left"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q insitu >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get remove"; }
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q insitu >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get purge"; }
installed=0
while read -r p; do if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi; done <"$work/paths.txt" | sort >"$work/after.txt"
left=$(comm -13 "$work/before.txt" "$work/after.txt")
[ -z "$left" ] || fail "left behind after purge: $left"
[ ! -e /usr/lib/python3/dist-packages/insitu ] || fail "/usr/lib/python3/dist-packages/insitu left behind"
! dpkg-query -W insitu >/dev/null 2>&1 || dpkg-query -W -f='${Status}\n' insitu | grep -q 'not-installed' ||
    fail "dpkg still knows insitu: $(dpkg-query -W -f='${Status}' insitu)"
echo "deb test: OK ($(basename "$deb"), Depends: $depends)"
