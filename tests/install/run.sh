#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, builds a consumer with find_package(insitu) and
# another with pkg-config, and runs both against a server started with the installed module.
# Usage: run.sh <build dir>
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$here/consumer" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" g++ "$here/consumer/main.cpp" -o "$work/pc-consumer" \
    $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs insitu)
module="$work/prefix/lib/insitu/libinsitu_ai.so"
test -f "$module"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --daemonize yes --dir "$work" \
    --logfile "$work/redis.log" --loadmodule "$module" >/dev/null
ok=0
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && { ok=1; break; }; sleep 0.05; done
[ "$ok" = 1 ] || { echo "server with the installed module did not start:"; tail -5 "$work/redis.log"; exit 1; }
"$work/cmake-build/consumer" "127.0.0.1:$port"
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pc-consumer" "127.0.0.1:$port"
# A bad address is a typed error (Parameter = 5), not a crash or a hang.
set +e
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pc-consumer" "no-port-here"
rc=$?
set -e
test "$rc" -eq 3
echo "install consumers: ok"
