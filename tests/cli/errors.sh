#!/usr/bin/env bash
# `insitu` option errors and help, with the real binary: a bad option exits non-zero with a message
# naming it (1 for a command's option, 2 for a missing or unknown command), --help lists the
# commands and each command's options. Starts no database (one that cannot start, once).
# usage: errors.sh <insitu executable>
set -uo pipefail
insitu=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/insitu-cli-errors.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

# expect <rc> <text> <stream: out|err> -- <args...>: runs insitu, checks the exit code and that the
# stream contains the text.
expect() {
    local want_rc=$1 text=$2 stream=$3
    shift 4
    "$insitu" "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$text" "$work/$stream"; then
        echo "FAIL: insitu $* -> exit $rc (want $want_rc), $stream should contain '$text'"
        echo "  stdout: $(head -c 600 "$work/out")"
        echo "  stderr: $(head -c 600 "$work/err")"
        failures=$((failures + 1))
    else
        echo "ok: insitu $*"
    fi
}

db_dir=$work/db
# Bad options of a command: exit 1, the option (and the bad value) named on stderr.
expect 1 "--bogus" err -- demo --bogus
expect 1 "--port" err -- db start --port abc --dir "$db_dir"
expect 1 "abc" err -- db start --port abc --dir "$db_dir"
expect 1 "--port" err -- db start --port 12x --dir "$db_dir"
expect 1 "--port" err -- db start --dir "$db_dir" --port
expect 1 "--port" err -- validate --port 70000
expect 1 "--port" err -- validate -p=-1
expect 1 "--shards" err -- db --shards=0 start --dir "$db_dir"
expect 1 "--shards" err -- db start --shards 3.5 --dir "$db_dir"
expect 1 "--require" err -- validate --require
expect 1 "frobnicate" err -- db frobnicate --dir "$db_dir"
expect 1 "command is required" err -- db --dir "$db_dir"
expect 1 "extra" err -- info extra
# None of the failed starts left a database behind.
if [ -e "$db_dir/insitu-db.state" ]; then
    echo "FAIL: a rejected 'db start' wrote $db_dir/insitu-db.state"
    failures=$((failures + 1))
fi
# A database that cannot start: exit 1 naming the server binary, and nothing left in TMPDIR (the
# command's folder holds the database's secrets; it was left behind on every failure before).
for c in validate demo; do
    mkdir -p "$work/tmp-$c"
    TMPDIR=$work/tmp-$c REDIS_PATH=/nonexistent/redis-server expect 1 "/nonexistent/redis-server" err -- $c
    # (insitu-ports-<uid>, the launcher's port reservations shared by every process, stays.)
    left=$(find "$work/tmp-$c" -mindepth 1 -maxdepth 1 -name "insitu-$c-*")
    if [ -n "$left" ]; then
        echo "FAIL: a failed 'insitu $c' left $left"
        failures=$((failures + 1))
    fi
done
# No command, or an unknown one: exit 2.
expect 2 "nosuch" err -- nosuch
expect 2 "demo" out --

# Help: the commands, and each command's options, on stdout with exit 0.
for c in demo db info validate version run-colocated; do expect 0 "$c" out -- --help; done
expect 0 "validate" out -- help
for o in command --port --shards --interface --dir --foreground; do expect 0 "$o" out -- db --help; done
for o in -p,--port --device --require --keep-dir; do expect 0 "$o" out -- validate --help; done
for o in --port --keep-dir; do expect 0 "$o" out -- demo --help; done
expect 0 "insitu " out -- version
# A TMPDIR that names no directory: commands still run (it aborted every command, --help too).
TMPDIR=$work/no/such/dir expect 0 "insitu " out -- version
TMPDIR=$work/no/such/dir expect 0 "--dir" out -- db --help

# --opt=value is an option with its value: status reads the folder it names (no database there).
expect 1 "no database runs from $work/other" out -- db status --dir="$work/other"
expect 1 "no database runs from $work/third" out -- db status --dir "$work/other" --dir "$work/third"

if [ "$failures" -ne 0 ]; then
    echo "cli_errors: $failures failure(s)"
    exit 1
fi
echo "cli_errors: all passed"
