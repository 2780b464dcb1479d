#!/usr/bin/env bash
# `insitu db start --tls` (standalone and 3 shards): it prints rediss:// addresses and
# SR_TLS_CA_FILE besides the credentials; a client configured only by those exports works, and
# fails without the CA; every shard refuses plaintext, answers NOAUTH over TLS without credentials
# and PONG to the app user over TLS; the private keys are 0600; `db status` and `db stop` work and
# leave no process. Usage: db_tls.sh <insitu> <env_client>
set -euo pipefail
insitu=$1 env_client=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/insitu-db-tls.XXXXXX")
cleanup() {
    for d in "$work"/db-*; do
        [ -d "$d" ] && "$insitu" db stop --dir "$d" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# One command to host:port; extra redis-cli options first. The password, when any, comes from
# $REDISCLI_AUTH (never on a command line).
ask() {
    local a=$1
    shift
    timeout 10 redis-cli -h "${a%:*}" -p "${a##*:}" "$@" 2>&1 || true
}

for shards in 1 3; do
    dir=$work/db-$shards
    "$insitu" db start --tls --shards "$shards" --port 0 --dir "$dir" >"$work/$shards.env" \
        2>"$work/$shards.err" || { cat "$work/$shards.err"; fail "db start --tls --shards $shards"; }
    cat "$work/$shards.env"
    (
        # shellcheck disable=SC1090
        . "$work/$shards.env"
        [[ $SSDB == rediss://* ]] || fail "SSDB=$SSDB is not rediss://"
        addrs=()
        for a in ${SSDB//,/ }; do
            [[ $a == rediss://* ]] || fail "plaintext address $a in SSDB=$SSDB"
            addrs+=("${a#rediss://}")
        done
        [ ${#addrs[@]} -eq "$shards" ] || fail "SSDB=$SSDB does not name $shards shards"
        [ "$SR_DB_TYPE" = "$([ "$shards" = 1 ] && echo Standalone || echo Clustered)" ] ||
            fail "SR_DB_TYPE=$SR_DB_TYPE"
        [ -f "$SR_TLS_CA_FILE" ] || fail "SR_TLS_CA_FILE=$SR_TLS_CA_FILE is not a file"
        [ "$SR_DB_USER" = app ] && [ -f "$SR_DB_PASSWORD_FILE" ] || fail "no credentials exported"
        tls=$(dirname "$SR_TLS_CA_FILE")
        for key in "$tls"/*.key; do
            [ "$(stat -c %a "$key")" = 600 ] || fail "$key is not 0600"
        done
        # A client configured by the exports alone (as an application) works ...
        "$env_client" || fail "a client with the exports failed"
        # ... and without the CA it does not trust the servers.
        out=$(env -u SR_TLS_CA_FILE "$env_client" 2>&1) && fail "a client without the CA connected"
        case "$out" in *"certificate verify failed"*) ;;
            *) fail "no certificate error without the CA: $out" ;; esac
        for a in "${addrs[@]}"; do
            [ "$(ask "$a" ping)" != PONG ] || fail "$a answered plaintext"
            case "$(ask "$a" --tls --cacert "$SR_TLS_CA_FILE" ping)" in
                NOAUTH*) ;; *) fail "$a did not ask a TLS client for credentials" ;; esac
            [ "$(REDISCLI_AUTH=$(cat "$SR_DB_PASSWORD_FILE") ask "$a" --tls --cacert \
                "$SR_TLS_CA_FILE" --user app ping)" = PONG ] || fail "$a refused the app user over TLS"
        done
    )
    status=$("$insitu" db status --dir "$dir") || { echo "$status"; fail "db status"; }
    echo "$status"
    [ "$(grep -c " up$" <<<"$status")" = "$shards" ] || fail "db status does not show $shards up"
    grep -q "^export SSDB=rediss://" <<<"$status" || fail "db status does not print rediss://"
    "$insitu" db stop --dir "$dir" >/dev/null || fail "db stop"
    for _ in $(seq 50); do pgrep -f "$dir" >/dev/null || break; sleep 0.1; done
    ! pgrep -af "$dir" || fail "processes left after db stop"
done
echo "db tls: OK"
