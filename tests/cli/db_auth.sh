#!/usr/bin/env bash
# `insitu db start` is secure by default: it prints SR_DB_USER / SR_DB_PASSWORD_FILE (a 0600 file
# in a 0700 folder, never the password), every shard answers NOAUTH without credentials and the
# app user with them, no secret is on a server's command line, `db status` authenticates; and
# `--insecure` starts an open database with a warning. Usage: db_auth.sh <insitu>
set -euo pipefail
insitu=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/insitu-db-auth.XXXXXX")
cleanup() {
    "$insitu" db stop --dir "$work/secure" >/dev/null 2>&1 || true
    "$insitu" db stop --dir "$work/open" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# One command without credentials, or as $user with the password from $REDISCLI_AUTH.
ask() {
    local a=$1
    shift
    redis-cli -h "${a%:*}" -p "${a##*:}" "$@" 2>&1
}

"$insitu" db start --shards 3 --port 0 --dir "$work/secure" >"$work/secure.env" 2>"$work/secure.err" ||
    { cat "$work/secure.err"; fail "db start"; }
cat "$work/secure.env"
# shellcheck disable=SC1091
. "$work/secure.env"
[ "$SR_DB_USER" = app ] || fail "SR_DB_USER=$SR_DB_USER"
secrets=$(dirname "$SR_DB_PASSWORD_FILE")
[ "$(stat -c %a "$secrets")" = 700 ] || fail "$secrets is not 0700"
for u in admin app reader; do
    [ "$(stat -c %a "$secrets/$u")" = 600 ] || fail "$secrets/$u is not 0600"
    ! grep -rqF "$(cat "$secrets/$u")" "$work/secure.env" "$work/secure.err" || fail "a secret was printed"
done
for a in ${SSDB//,/ }; do
    case "$(ask "$a" ping)" in NOAUTH*) ;; *) fail "$a answered without credentials" ;; esac
    [ "$(REDISCLI_AUTH=$(cat "$SR_DB_PASSWORD_FILE") ask "$a" --user app ping)" = PONG ] ||
        fail "$a refused the app user"
    case "$(REDISCLI_AUTH=$(cat "$SR_DB_PASSWORD_FILE") ask "$a" --user app flushall)" in
        NOPERM*) ;; *) fail "$a let the app user FLUSHALL" ;; esac
done
for pid in $(pgrep -f "$work/secure" || true); do
    for u in admin app reader; do
        ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$(cat "$secrets/$u")" ||
            fail "a secret is on the command line of $pid"
    done
done
"$insitu" db status --dir "$work/secure" | grep -c " up" | grep -qx 3 || fail "db status"
"$insitu" db stop --dir "$work/secure" >/dev/null

"$insitu" db start --insecure --port 0 --dir "$work/open" >"$work/open.env" 2>"$work/open.err" ||
    { cat "$work/open.err"; fail "db start --insecure"; }
grep -q "WARNING: no authentication" "$work/open.err" || fail "no warning: $(cat "$work/open.err")"
! grep -q SR_DB_USER "$work/open.env" || fail "insecure: SR_DB_USER printed"
ssdb=$(sed -n 's/^export SSDB=//p' "$work/open.env")
[ "$(ask "$ssdb" ping)" = PONG ] || fail "the insecure database refused"
"$insitu" db stop --dir "$work/open" >/dev/null
echo "db auth: OK"
