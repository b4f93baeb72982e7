#!/usr/bin/env bash
# What `kboot test` costs per test over the commands themselves: the sample closure's command
# suite of 200 tests that each run `true`, against the same 200 commands (`true` forked and
# executed 200 times by a shell loop) in one `kboot run -- sh -c` on the same closure, in one
# invocation, alternating the sides (A B A B), whole-process wall time. Both sides boot once and
# power off once; the difference is what kboot test adds per test: one agent round trip, judging
# the result, and rewriting results.json, junit.xml and summary.txt. Goal: ratio <= 1.2.
#
#   bench/test-overhead-bench.sh [ROUNDS]       (default 5)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
kboot=$here/bin/kboot
closure=$here/.cache/sample/result
[ -e "$closure/boot.json" ] || { echo "test-overhead-bench: no sample closure; run sample/build-closure.sh" >&2; exit 66; }
[ -f "$here/cli/target/kboot.jar" ] || { echo "test-overhead-bench: kboot is not built; run scripts/build.sh" >&2; exit 66; }
n=200
profile=$here/.cache/bench/true-$n.yaml
mkdir -p "$here/.cache/bench"
{
  echo "description: $n tests that each run true (bench/test-overhead-bench.sh)"
  echo "tests:"
  for i in $(seq -w 1 $n); do echo "  - {name: true-$i, command: 'true'}"; done
} > "$profile"
accel=()
[ -e /dev/kvm ] && accel=(--accel tcg)
results=$(mktemp -d /tmp/kboot-overhead.XXXXXX)
trap 'rm -rf "$results"' EXIT
# The loop runs the same program the agent runs for each test (true from $PATH), forked and
# executed each time (the shell's builtin `true` would fork nothing).
loop="t=\$(which true); i=0; while [ \$i -lt $n ]; do \"\$t\"; i=\$((i+1)); done; echo loop-done"

now() { date +%s%N; }
side() {
  local t0 t1 out
  t0=$(now)
  case $1 in
    0) out=$("$kboot" test "$closure" "${accel[@]}" -q --suite "command:$profile" --results "$results/r" 2>&1) \
         || { echo "test-overhead-bench: kboot test failed:" >&2; tail -n 20 <<<"$out" >&2; exit 1; }
       grep -q "OK: $n tests, no failure" <<<"$out" || { echo "test-overhead-bench: kboot test: $out" >&2; exit 1; } ;;
    1) out=$("$kboot" run "$closure" "${accel[@]}" -- sh -c "$loop" 2>&1) \
         || { echo "test-overhead-bench: kboot run failed:" >&2; tail -n 20 <<<"$out" >&2; exit 1; }
       grep -q loop-done <<<"$out" || { echo "test-overhead-bench: the loop did not finish: $out" >&2; exit 1; } ;;
  esac
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

echo "test-overhead-bench: $rounds rounds; $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
side 0 >/dev/null; side 1 >/dev/null   # warm-up, not counted
a=() b=()
for r in $(seq "$rounds"); do
  x=$(side 0); y=$(side 1)
  a+=("$x"); b+=("$y")
  printf 'round %d: kboot test %6d ms   kboot run -- loop %6d ms\n' "$r" "$x" "$y"
done
am=$(printf '%s\n' "${a[@]}" | median)
bm=$(printf '%s\n' "${b[@]}" | median)
printf 'median: kboot test (%d tests) %d ms, kboot run -- sh -c loop (%d commands) %d ms\n' "$n" "$am" "$n" "$bm"
printf 'ratio %s (goal <= 1.20); kboot test adds %s ms per test\n' "$(awk -v a="$am" -v b="$bm" 'BEGIN {printf "%.3f", a/b}')" \
  "$(awk -v a="$am" -v b="$bm" -v n="$n" 'BEGIN {printf "%.1f", (a-b)/n}')"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
