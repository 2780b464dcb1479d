#!/usr/bin/env bash
# `insitu db start --shards 3 --replicas 1`: six servers, `db status` shows three primaries and
# three replicas; a client configured by the exports works; after a SIGKILL of a primary the
# replica takes over, the client goes on (durable writes, SR_DURABLE_REPLICAS=1), and the
# supervisor restarts the killed server, which rejoins as a replica; `db stop` leaves no process.
# Bad settings are refused. Usage: db_replicas.sh <insitu> <env_client>
set -euo pipefail
insitu=$1 env_client=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/insitu-db-replicas.XXXXXX")
dir=$work/db
cleanup() {
    "$insitu" db stop --dir "$dir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

out=$("$insitu" db start --shards 1 --replicas 1 --port 0 --dir "$work/bad" 2>&1) &&
    fail "a standalone database with a replica started"
grep -q "replicas need a cluster" <<<"$out" || fail "no reason given: $out"

"$insitu" db start --shards 3 --replicas 1 --port 0 --dir "$dir" >"$work/env" 2>"$work/err" ||
    { cat "$work/err"; fail "db start --replicas 1"; }
# shellcheck disable=SC1090
. "$work/env"
export SR_CMD_TIMEOUT=60 SR_CMD_INTERVAL=100 SR_DURABLE_REPLICAS=1 SR_DURABLE_TIMEOUT=2000
[ "$(tr ',' '\n' <<<"$SSDB" | wc -l)" = 6 ] || fail "SSDB=$SSDB does not name 6 servers"
status=$("$insitu" db status --dir "$dir") || { echo "$status"; fail "db status"; }
echo "$status"
grep -q "3 shards + 1 replica each" <<<"$status" || fail "db status does not say the replicas"
[ "$(grep -c " up primary$" <<<"$status")" = 3 ] || fail "not 3 primaries"
[ "$(grep -c " up replica$" <<<"$status")" = 3 ] || fail "not 3 replicas"
"$env_client" || fail "a durable client with the exports failed"

# SIGKILL the primary that holds the client's key (the others answer MOVED).
export REDISCLI_AUTH
REDISCLI_AUTH=$(cat "$dir/orchestrator/secrets/admin")
first=
for a in ${SSDB//,/ }; do
    reply=$(timeout 10 redis-cli -h "${a%:*}" -p "${a##*:}" --user admin get env_client.t 2>&1)
    case "$reply" in *MOVED*) ;; *) first=$a ;; esac
done
[ -n "$first" ] || fail "no primary owns env_client.t"
victim=$(pgrep -f "redis-server ${first} " | head -1)
[ -n "$victim" ] || fail "no server process for $first"
kill -9 "$victim"
"$env_client" || fail "the client did not follow the failover"
# The supervisor brings the killed server back as a replica.
for _ in $(seq 300); do
    status=$("$insitu" db status --dir "$dir" || true)
    grep -q "^  ${first} *up replica$" <<<"$status" && break
    sleep 0.1
done
echo "$status"
grep -q "^  ${first} *up replica$" <<<"$status" || fail "$first did not rejoin as a replica"
[ "$(grep -c " up primary$" <<<"$status")" = 3 ] || fail "not 3 primaries after the failover"
"$env_client" || fail "the client failed after the rejoin"

"$insitu" db stop --dir "$dir" >/dev/null || fail "db stop"
for _ in $(seq 50); do pgrep -f "$dir" >/dev/null || break; sleep 0.1; done
! pgrep -af "$dir" || fail "processes left after db stop"
echo "db replicas: OK"
