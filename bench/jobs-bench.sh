#!/usr/bin/env bash
# Many guests at once: `kboot test --jobs N` on the sample closure for N = 1, 2, 4, in one
# invocation, alternating the sides round by round (A B C A B C), whole-process wall time. Prints
# each side's median, its tests per minute and its speed-up over --jobs 1, and the memory each guest
# costs: the peak proportional set size (PSS, /proc/PID/smaps_rollup: shared pages split between
# the processes sharing them) of each guest's QEMU and virtiofsd processes, sampled every 0.2 s,
# summed, divided by N; and kboot's JVM beside them.
#
#   bench/jobs-bench.sh [ROUNDS]       (default 3)
#
# The suite: BENCH_SUITE (e.g. kselftest:sample, the sample's 83 kselftests), else a command
# profile of 48 tests that each keep one vCPU busy for ~0.3 s of host time (a shell loop), written
# to .cache/bench/. Guests: BENCH_CPUS vCPUs (default 1), BENCH_MEMORY (default 512M). Where
# /dev/kvm exists kboot is given --accel tcg (the machine kind these figures are for).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
kboot=$here/bin/kboot
closure=$here/.cache/sample/result
[ -e "$closure/boot.json" ] || { echo "jobs-bench: no sample closure; run sample/build-closure.sh" >&2; exit 66; }
[ -f "$here/cli/target/kboot.jar" ] || { echo "jobs-bench: kboot is not built; run scripts/build.sh" >&2; exit 66; }
command -v jq >/dev/null || { echo "jobs-bench: needs jq (apt-get install jq)" >&2; exit 69; }
cpus=${BENCH_CPUS:-1}
memory=${BENCH_MEMORY:-512M}
mkdir -p "$here/.cache/bench"
if [ -n "${BENCH_SUITE:-}" ]; then
  suite=$BENCH_SUITE
else
  profile=$here/.cache/bench/busy-48.yaml
  {
    echo "description: 48 tests that each keep a vCPU busy (bench/jobs-bench.sh)"
    echo "tests:"
    for i in $(seq -w 1 48); do echo "  - {name: busy-$i, command: 'i=0; while [ \$i -lt 3000 ]; do i=\$((i+1)); done'}"; done
  } > "$profile"
  suite=command:$profile
fi
accel=()
[ -e /dev/kvm ] && accel=(--accel tcg)
work=$(mktemp -d /tmp/kboot-jobs-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
jobs=(1 2 4)

now() { date +%s%N; }
pss() { awk '/^Pss:/ {print $2; exit}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# descendants PID: every process below PID
descendants() {
  local kids k
  kids=$(cat /proc/"$1"/task/*/children 2>/dev/null) || return 0
  for k in $kids; do echo "$k"; descendants "$k"; done
}
# side N: runs kboot test --jobs N; prints "ms tests guest-pss-kB jvm-pss-kB"
side() {
  local n=$1 t0 t1 pid peak=0 jpeak=0 sum p comm rc tests
  rm -rf "$work/r"
  t0=$(now)
  "$kboot" test "$closure" "${accel[@]}" -q --suite "$suite" --jobs "$n" --cpus "$cpus" --memory "$memory" \
    --results "$work/r" >"$work/out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sum=0
    for p in $(descendants "$pid"); do
      comm=$(cat /proc/"$p"/comm 2>/dev/null) || continue
      case $comm in qemu-system-*|virtiofsd) sum=$((sum + $(pss "$p"))) ;; esac
    done
    [ "$sum" -gt "$peak" ] && peak=$sum
    j=$(pss "$pid"); [ "$j" -gt "$jpeak" ] && jpeak=$j
    sleep 0.2
  done
  rc=0; wait "$pid" || rc=$?
  t1=$(now)
  [ "$rc" -le 1 ] || { echo "jobs-bench: kboot test --jobs $n exited $rc:" >&2; tail -n 20 "$work/out" >&2; exit 1; }
  tests=$(jq '.tests | length' "$work/r/results.json")
  [ "$(jq '[.tests[] | select(.status == "miss")] | length' "$work/r/results.json")" = 0 ] || { echo "jobs-bench: --jobs $n left tests MISS:" >&2; tail -n 20 "$work/out" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 )) $tests $((peak / n)) $jpeak"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

echo "jobs-bench: $rounds rounds; suite $suite; guests of $cpus vCPU(s), $memory; $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
side 1 >/dev/null   # warm-up (page cache, kboot's caches), not counted
declare -A ms mem jvm
ntests=0
for r in $(seq "$rounds"); do
  line="round $r:"
  for n in "${jobs[@]}"; do
    read -r t k g j <<<"$(side "$n")"
    ms[$n]+="$t "; mem[$n]+="$g "; jvm[$n]+="$j "; ntests=$k
    line+=$(printf '  --jobs %d %6d ms' "$n" "$t")
  done
  echo "$line"
done
base=$(tr ' ' '\n' <<<"${ms[1]}" | grep . | median)
printf '\n%-9s %9s %10s %9s %14s %12s\n' side median tests/min speed-up "PSS per guest" "kboot JVM"
for n in "${jobs[@]}"; do
  m=$(tr ' ' '\n' <<<"${ms[$n]}" | grep . | median)
  g=$(tr ' ' '\n' <<<"${mem[$n]}" | grep . | median)
  j=$(tr ' ' '\n' <<<"${jvm[$n]}" | grep . | median)
  printf '%-9s %6d ms %10.1f %9.2f %11d MiB %8d MiB\n' "--jobs $n" "$m" "$(awk -v n="$ntests" -v m="$m" 'BEGIN {print n * 60000 / m}')" \
    "$(awk -v a="$base" -v b="$m" 'BEGIN {print a / b}')" $((g / 1024)) $((j / 1024))
done
echo "($ntests tests per run) load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
