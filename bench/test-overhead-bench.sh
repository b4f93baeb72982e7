#!/usr/bin/env bash
# What `kboot test` costs per test over the commands themselves: the sample closure's command
# suite of 200 tests that each run `true`, against the same 200 commands (`true` forked and
# executed 200 times by a shell loop) in one `kboot run -- sh -c` on the same closure, in one
# invocation, alternating the sides (A B A B), whole-process wall time. Both sides boot once and
# power off once, the same kernel as configured (`run --no-fast`: kboot test does not boot fast);
# the difference is what kboot test adds per test: one agent round trip, judging
# the result, and rewriting results.json, junit.xml and summary.txt. Goal: ratio <= 1.2.
# Beside each wall time: the CPU time of the whole process tree (user + system, QEMU and
# virtiofsd included, from the shell's `times`) and of kboot's JVM alone (/proc/PID/stat, sampled
# every 0.1 s until it exits: the last <= 0.1 s is not counted).
#
#   bench/test-overhead-bench.sh [ROUNDS]       (default 5)
#
# BENCH_BASE_JAR=/path/to/kboot.jar adds a third side, `kboot test` on that jar (an earlier build,
# with its own .aot or .jsa beside it), A B C A B C: before and after a change in one invocation.
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

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"   # now, median, children_cpu_ms
tck=$(getconf CLK_TCK)
# side N: prints "wall-ms tree-cpu-ms jvm-cpu-ms" (0: kboot test, 1: the loop, 2: kboot test on BENCH_BASE_JAR)
side() {
  local t0 t1 pid jvm=0 j rc=0 tree
  t0=$(now)
  case $1 in
    0|2) env ${2:+KBOOT_JAR=$2} "$kboot" test "$closure" "${accel[@]}" -q --suite "command:$profile" --results "$results/r" >"$results/out" 2>&1 & ;;
    1) "$kboot" run --no-fast "$closure" "${accel[@]}" -- sh -c "$loop" >"$results/out" 2>&1 & ;;
  esac
  pid=$!
  # sampled with builtins only (no process of this shell's adds to the tree's CPU): read's
  # timeout on a pipe nobody writes is the 0.1 s sleep
  exec {pause}<> <(:)
  while read -r -a f 2>/dev/null < "/proc/$pid/stat"; do
    jvm=$(( f[13] + f[14] ))
    read -r -t 0.1 -u "$pause" || true
  done
  wait "$pid" || rc=$?
  t1=$(now)
  times >"$results/times"   # in this shell: a $(times) would be a subshell's, with no children
  case $1 in
    0|2) [ "$rc" = 0 ] && grep -q "OK: $n tests, no failure" "$results/out" \
           || { echo "test-overhead-bench: kboot test failed (exit $rc):" >&2; tail -n 20 "$results/out" >&2; exit 1; } ;;
    1) [ "$rc" = 0 ] && grep -q loop-done "$results/out" \
           || { echo "test-overhead-bench: kboot run or the loop failed (exit $rc):" >&2; tail -n 20 "$results/out" >&2; exit 1; } ;;
  esac
  # children's user and system time (the second line of `times`: this subshell's waited children)
  tree=$(children_cpu_ms < "$results/times")
  echo "$(( (t1 - t0) / 1000000 )) $tree $(( jvm * 1000 / tck ))"
}

sides=(0 1)
names=("kboot test ($n tests)" "kboot run -- sh -c loop ($n commands)" "kboot test ($n tests), BENCH_BASE_JAR")
if [ -n "${BENCH_BASE_JAR:-}" ]; then
  [ -f "$BENCH_BASE_JAR" ] || { echo "test-overhead-bench: BENCH_BASE_JAR=$BENCH_BASE_JAR: no such jar" >&2; exit 66; }
  sides+=(2)
fi
jar_of() { [ "$1" = 2 ] && echo "$BENCH_BASE_JAR"; return 0; }
echo "test-overhead-bench: $rounds rounds; $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for s in "${sides[@]}"; do side "$s" "$(jar_of "$s")" >/dev/null; done   # warm-up, not counted
declare -A wall tree jvm
for r in $(seq "$rounds"); do
  line="round $r (wall/tree CPU/JVM CPU ms, load $(cut -d' ' -f1 /proc/loadavg)):"
  for s in "${sides[@]}"; do
    read -r w c j <<<"$(side "$s" "$(jar_of "$s")")"
    wall[$s]+="$w "; tree[$s]+="$c "; jvm[$s]+="$j "
    line+=$(printf '  %s %d/%d/%d' "${names[$s]%% (*}$([ "$s" = 2 ] && echo ' (base)')" "$w" "$c" "$j")
  done
  echo "$line"
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
printf '\n%-52s %9s %11s %10s\n' side "wall" "tree CPU" "JVM CPU"
for s in "${sides[@]}"; do
  printf '%-52s %6d ms %8d ms %7d ms\n' "${names[$s]}" "$(med "${wall[$s]}")" "$(med "${tree[$s]}")" "$(med "${jvm[$s]}")"
done
bm=$(med "${wall[1]}")
for s in 0 2; do
  [[ " ${sides[*]} " == *" $s "* ]] || continue
  am=$(med "${wall[$s]}")
  printf '%s: ratio %s (goal <= 1.20); adds %s ms per test; JVM CPU %s ms per test over the loop side'"'"'s\n' "${names[$s]}" \
    "$(awk -v a="$am" -v b="$bm" 'BEGIN {printf "%.3f", a/b}')" "$(awk -v a="$am" -v b="$bm" -v n="$n" 'BEGIN {printf "%.1f", (a-b)/n}')" \
    "$(awk -v a="$(med "${jvm[$s]}")" -v b="$(med "${jvm[1]}")" -v n="$n" 'BEGIN {printf "%.1f", (a-b)/n}')"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
