#!/usr/bin/env bash
# A database for the C, Fortran and Python tests, run as ctest fixtures (FIXTURES_SETUP /
# FIXTURES_CLEANUP) so the servers are always stopped:
#   db_fixture.sh start <state dir> <module .so> [standalone|cluster] [auth|noauth|tls|auth,tls] [module args...]
#   db_fixture.sh run   <state dir> <command...>   (SSDB and SR_DB_TYPE exported)
#   db_fixture.sh stop  <state dir>
# Ports are free loopback ports (and their cluster bus ports) picked at start.
# `auth`: every server requires a password (requirepass, masterauth) and has two ACL users,
# "app" (everything but FLUSHALL/FLUSHDB and server administration) and "reader" (reads only).
# Fresh random passwords go to <state dir>/{password,app.password,reader.password} (0600) and a
# 0600 config file, never onto a command line; `run` then exports SR_DB_PASSWORD_FILE (the
# default user's) and INSITU_TEST_DB_DIR=<state dir> for tests that use the other users.
# `tls`: the servers serve TLS only (`port 0`, a tls-port; TLS on the cluster bus too), with a CA
# and a server certificate (for 127.0.0.1 and localhost) made here with the openssl CLI, apart from
# insitu's own certificate code; `run` then exports rediss:// addresses and SR_TLS_CA_FILE.
# Module arguments (e.g. `TORCH <fake backend .so>` for the load test) follow the auth word.
# INSITU_DB_FIXTURE_ACL_RULES: a program that prints a user's ACL rules (insitu_test_acl_rules,
# the launcher's own); "app" then gets exactly the rights applications of an insitu database get.
set -euo pipefail
cmd=$1 dir=$2
shift 2

# Below the kernel's ephemeral range, like every other test server (tests/support/free_ports.py);
# the reservation ends with this python3, the servers bind the port right after.
free_port() {
    PYTHONPATH="$(dirname "${BASH_SOURCE[0]}")" /usr/bin/python3 -c 'import free_ports; print(free_ports.free_port())'
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

new_secret() {
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

case $cmd in
start)
    module=$1 mode=${2:-standalone} words=${3:-}
    shift $(($# < 3 ? $# : 3))
    module_args=("$@")
    auth="" tls=""
    case ",$words," in *,auth,*) auth=auth ;; esac
    case ",$words," in *,tls,*) tls=tls ;; esac
    stop
    rm -rf "$dir" && mkdir -p "$dir"
    conf=()
    cli=(redis-cli -h 127.0.0.1)
    if [ -n "$tls" ]; then
        (
            umask 077
            cd "$dir"
            ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
            openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=insitu test fixture CA" \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.crt
            openssl req -new "${ec[@]}" -subj "/CN=localhost" -keyout server.key -out server.csr
            printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
                "extendedKeyUsage=serverAuth,clientAuth" >server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
                -extfile server.ext -out server.crt
        ) 2>"$dir/openssl.log" || { cat "$dir/openssl.log"; exit 1; }
        cli+=(--tls --cacert "$dir/ca.crt")
        touch "$dir/tls"
    fi
    if [ "$auth" = auth ]; then
        app_rules="~* &* +@all -flushall -flushdb -config -shutdown -debug -module -acl"
        if [ -n "${INSITU_DB_FIXTURE_ACL_RULES:-}" ]; then
            app_rules=$("$INSITU_DB_FIXTURE_ACL_RULES" app)
        fi
        (
            umask 077
            new_secret >"$dir/password"
            new_secret >"$dir/app.password"
            new_secret >"$dir/reader.password"
            {
                echo "requirepass $(cat "$dir/password")"
                echo "masterauth $(cat "$dir/password")"
                echo "user app on >$(cat "$dir/app.password") $app_rules"
                echo "user reader on >$(cat "$dir/reader.password") ~* -@all +ping +hello" \
                    "+cluster|slots +cluster|info +asking +readonly +info +exists +get +hget" \
                    "+hgetall +hexists +lrange +llen +ai.tensorget +ai.modelget +ai.scriptget +ai.info"
            } >"$dir/auth.conf"
        )
        conf=("$dir/auth.conf")
        # redis-cli reads the password from the environment (not from its command line).
        REDISCLI_AUTH=$(cat "$dir/password")
        export REDISCLI_AUTH
        touch "$dir/auth"
    fi
    n=1
    [ "$mode" = cluster ] && n=3
    addrs=()
    for i in $(seq "$n"); do
        port=$(free_port)
        extra=(--port "$port")
        [ "$mode" = cluster ] && extra+=(--cluster-enabled yes --cluster-config-file "nodes-$port.conf")
        if [ -n "$tls" ]; then
            # TLS only: no plaintext port; replicas and the cluster bus speak TLS too.
            extra=(--port 0 --tls-port "$port" --tls-cert-file "$dir/server.crt"
                --tls-key-file "$dir/server.key" --tls-ca-cert-file "$dir/ca.crt"
                --tls-auth-clients no --tls-replication yes "${extra[@]:2}")
            [ "$mode" = cluster ] && extra+=(--tls-cluster yes)
        fi
        redis-server "${conf[@]}" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
            --dbfilename "dump-$port.rdb" --daemonize yes --pidfile "$dir/redis-$port.pid" \
            --logfile "$dir/redis-$port.log" --loadmodule "$module" "${module_args[@]}" \
            "${extra[@]}"
        for _ in $(seq 100); do
            "${cli[@]}" -p "$port" ping 2>/dev/null | grep -q PONG && break
            sleep 0.1
        done
        "${cli[@]}" -p "$port" ping | grep -q PONG || { cat "$dir/redis-$port.log"; exit 1; }
        addrs+=("127.0.0.1:$port")
    done
    if [ "$mode" = cluster ]; then
        "${cli[@]}" --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log"
        for a in "${addrs[@]}"; do
            for _ in $(seq 100); do
                "${cli[@]}" -p "${a#*:}" cluster info | grep -q 'cluster_state:ok' && break
                sleep 0.1
            done
        done
        echo Clustered >"$dir/dbtype"
    else
        echo Standalone >"$dir/dbtype"
    fi
    [ -n "$tls" ] && addrs=("${addrs[@]/#/rediss://}")
    (IFS=,; echo "${addrs[*]}") >"$dir/ssdb"
    echo "db_fixture: $mode database at $(cat "$dir/ssdb")${auth:+ (authentication required)}${tls:+ (TLS only)}"
    ;;
run)
    if [ -f "$dir/auth" ]; then
        export SR_DB_PASSWORD_FILE="$dir/password" INSITU_TEST_DB_DIR="$dir"
    fi
    if [ -f "$dir/tls" ]; then
        export SR_TLS_CA_FILE="$dir/ca.crt"
    fi
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
