#!/usr/bin/env bash
# Many guests at once: `kboot test --jobs N` on the sample closure for N = 1, 2, 4, in one
# invocation, alternating the sides round by round (A B C A B C), whole-process wall time. Prints
# each side's median, its tests per minute and its speed-up over --jobs 1, and the memory each guest
# costs: the peak proportional set size (PSS, /proc/PID/smaps_rollup: shared pages split between
# the processes sharing them) of each guest's QEMU and virtiofsd processes, sampled every 0.2 s,
# summed, divided by N; and kboot's JVM beside them. Beside each wall time: the CPU time (user +
# system) of the whole run, kboot's JVM with every QEMU and virtiofsd it started, from `times` in
# a shell that runs only kboot; and the load average at each round's start.
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

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"   # now, median, children_cpu_ms
pss() { awk '/^Pss:/ {print $2; exit}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# descendants PID: every process below PID
descendants() {
  local kids k
  kids=$(cat /proc/"$1"/task/*/children 2>/dev/null) || return 0
  for k in $kids; do echo "$k"; descendants "$k"; done
}
# side N: runs kboot test --jobs N; prints "ms tests guest-pss-kB jvm-pss-kB cpu-ms"
side() {
  local n=$1 t0 t1 pid j peak=0 jpeak=0 sum p comm rc tests cpu
  rm -rf "$work/r" "$work/times"
  t0=$(now)
  # a shell that runs kboot alone, then says what it and its children (QEMU, virtiofsd) used
  ( rc=0; "$kboot" test "$closure" "${accel[@]}" -q --suite "$suite" --jobs "$n" --cpus "$cpus" --memory "$memory" \
      --results "$work/r" >"$work/out" 2>&1 || rc=$?; times >"$work/times"; exit $rc ) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sum=0
    for p in $(descendants "$pid"); do
      comm=$(cat /proc/"$p"/comm 2>/dev/null) || continue
      case $comm in
        qemu-system-*|virtiofsd) sum=$((sum + $(pss "$p"))) ;;
        java) j=$(pss "$p"); [ "$j" -gt "$jpeak" ] && jpeak=$j ;;
      esac
    done
    [ "$sum" -gt "$peak" ] && peak=$sum
    sleep 0.2
  done
  rc=0; wait "$pid" || rc=$?
  t1=$(now)
  cpu=$(children_cpu_ms < "$work/times")
  [ "$rc" -le 1 ] || { echo "jobs-bench: kboot test --jobs $n exited $rc:" >&2; tail -n 20 "$work/out" >&2; exit 1; }
  tests=$(jq '.tests | length' "$work/r/results.json")
  [ "$(jq '[.tests[] | select(.status == "miss")] | length' "$work/r/results.json")" = 0 ] || { echo "jobs-bench: --jobs $n left tests MISS:" >&2; tail -n 20 "$work/out" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 )) $tests $((peak / n)) $jpeak $cpu"
}

echo "jobs-bench: $rounds rounds; suite $suite; guests of $cpus vCPU(s), $memory; $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
side 1 >/dev/null   # warm-up (page cache, kboot's caches), not counted
declare -A ms mem jvm cpu
ntests=0
for r in $(seq "$rounds"); do
  line="round $r (load $(cut -d' ' -f1 /proc/loadavg); wall/CPU):"
  for n in "${jobs[@]}"; do
    read -r t k g j c <<<"$(side "$n")"
    ms[$n]+="$t "; mem[$n]+="$g "; jvm[$n]+="$j "; cpu[$n]+="$c "; ntests=$k
    line+=$(printf '  --jobs %d %6d/%6d ms' "$n" "$t" "$c")
  done
  echo "$line"
done
base=$(tr ' ' '\n' <<<"${ms[1]}" | grep . | median)
printf '\n%-9s %9s %10s %9s %10s %14s %12s\n' side median tests/min speed-up "CPU" "PSS per guest" "kboot JVM"
for n in "${jobs[@]}"; do
  m=$(tr ' ' '\n' <<<"${ms[$n]}" | grep . | median)
  g=$(tr ' ' '\n' <<<"${mem[$n]}" | grep . | median)
  j=$(tr ' ' '\n' <<<"${jvm[$n]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${cpu[$n]}" | grep . | median)
  printf '%-9s %6d ms %10.1f %9.2f %7d ms %11d MiB %8d MiB\n' "--jobs $n" "$m" "$(awk -v n="$ntests" -v m="$m" 'BEGIN {print n * 60000 / m}')" \
    "$(awk -v a="$base" -v b="$m" 'BEGIN {print a / b}')" "$c" $((g / 1024)) $((j / 1024))
done
echo "($ntests tests per run) load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
