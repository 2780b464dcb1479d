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
# A database folder that is not this user's (a guessable /tmp name someone else created first) or
# a symlink is refused by start, status and stop.
if [ "$(id -u)" -eq 0 ]; then
    mkdir -m 0777 "$work/theirs" && chown 65534:65534 "$work/theirs"
    for cmd in start status stop; do
        out=$("$insitu" db $cmd --port 0 --dir "$work/theirs" 2>&1) && fail "db $cmd used a folder of another user"
        case "$out" in *"another user"*|*"not a folder of this user"*) ;;
            *) fail "db $cmd: no clear refusal of another user's folder: $out" ;; esac
    done
    [ -z "$(ls -A "$work/theirs")" ] || fail "db start wrote into another user's folder"
fi
ln -s "$work/open" "$work/link"
out=$("$insitu" db start --port 0 --dir "$work/link" 2>&1) && fail "db start used a symlinked folder"
case "$out" in *"symlink"*) ;; *) fail "db start: no clear refusal of a symlink: $out" ;; esac
[ "$(stat -c %a "$work/open")" = 700 ] || fail "the database folder is not 0700"
echo "db auth: OK"
