#!/usr/bin/env bash
# ctest heat_demo_tls: the quick heat demo with --tls. Besides the demo's own outcome (every
# application completed, the analysis wrote its report), it checks that TLS was really used: each
# shard's config serves TLS only (`port 0`, a `tls-port`, TLS on the cluster bus), and the
# simulation and the analysis were given rediss:// addresses (and still completed, which they can
# only have done over TLS). Usage: test_tls.sh <heat_driver> <exp dir>
set -euo pipefail
driver=$1 exp=$2
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
rm -rf "$exp"
out=$("$driver" --quick --tls --exp-dir "$exp" 2>&1) || { echo "$out"; fail "the demo failed"; }
echo "$out"
grep -q "^heat demo: OK" <<<"$out" || fail "no 'heat demo: OK'"
grep -q "^heat demo: database (TLS only) at" <<<"$out" || fail "the demo did not ask for TLS"
grep -q "^heat demo: report " <<<"$out" || fail "no analysis report"
[ -s "$exp/analysis/report.txt" ] || fail "the analysis report is empty"

confs=("$exp"/orchestrator/orchestrator_*.conf)
[ ${#confs[@]} -eq 3 ] && [ -f "${confs[0]}" ] || fail "expected 3 shard configs: ${confs[*]}"
for c in "${confs[@]}"; do
    grep -qx "port 0" "$c" || fail "$c has a plaintext port: $(grep '^port' "$c")"
    grep -qE "^tls-port [1-9][0-9]*$" "$c" || fail "$c has no tls-port"
    grep -qx "tls-cluster yes" "$c" || fail "$c: the cluster bus is not TLS"
done

for app in sim analysis; do
    f="$exp/$app/$app.out"
    [ -f "$f" ] || fail "no $f"
    ssdb=$(sed -n 's/^\(heat\|analysis\): database //p' "$f")
    [[ $ssdb == rediss://* ]] || fail "$app was given SSDB=$ssdb"
    # Every address of the 3-shard cluster the application could start from is a TLS one.
    for a in ${ssdb//,/ }; do [[ $a == rediss://* ]] || fail "$app: plaintext address $a"; done
done
echo "heat demo tls: OK"
