#!/usr/bin/env bash
# A database for the C, Fortran and Python tests, run as ctest fixtures (FIXTURES_SETUP /
# FIXTURES_CLEANUP) so the servers are always stopped:
#   db_fixture.sh start <state dir> <module .so> [standalone|cluster]
#   db_fixture.sh run   <state dir> <command...>   (SSDB and SR_DB_TYPE exported)
#   db_fixture.sh stop  <state dir>
# Ports are free loopback ports (and their cluster bus ports) picked at start.
set -euo pipefail
cmd=$1 dir=$2
shift 2

free_port() {
    /usr/bin/python3 - <<'PY'
import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    if p + 10000 > 65535: s.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 10000)); print(p); break
    except OSError:
        pass
    finally:
        b.close(); s.close()
PY
}

stop() {
    [ -d "$dir" ] || return 0
    for pidfile in "$dir"/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

case $cmd in
start)
    module=$1 mode=${2:-standalone}
    stop
    rm -rf "$dir" && mkdir -p "$dir"
    n=1
    [ "$mode" = cluster ] && n=3
    addrs=()
    for i in $(seq "$n"); do
        port=$(free_port)
        extra=()
        [ "$mode" = cluster ] && extra=(--cluster-enabled yes --cluster-config-file "nodes-$port.conf")
        redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
            --dbfilename "dump-$port.rdb" --daemonize yes --pidfile "$dir/redis-$port.pid" \
            --logfile "$dir/redis-$port.log" --loadmodule "$module" "${extra[@]}"
        for _ in $(seq 100); do
            redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
            sleep 0.1
        done
        redis-cli -p "$port" ping | grep -q PONG || { cat "$dir/redis-$port.log"; exit 1; }
        addrs+=("127.0.0.1:$port")
    done
    if [ "$mode" = cluster ]; then
        redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log"
        for a in "${addrs[@]}"; do
            for _ in $(seq 100); do
                redis-cli -p "${a#*:}" cluster info | grep -q 'cluster_state:ok' && break
                sleep 0.1
            done
        done
        echo Clustered >"$dir/dbtype"
    else
        echo Standalone >"$dir/dbtype"
    fi
    (IFS=,; echo "${addrs[*]}") >"$dir/ssdb"
    echo "db_fixture: $mode database at $(cat "$dir/ssdb")"
    ;;
run)
    SSDB=$(cat "$dir/ssdb") SR_DB_TYPE=$(cat "$dir/dbtype") exec "$@"
    ;;
stop)
    stop
    ;;
*)
    echo "usage: $0 start|run|stop <dir> ..." >&2
    exit 2
    ;;
esac
