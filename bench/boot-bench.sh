#!/usr/bin/env bash
# Boot benchmark: `kboot run` against a hand-written shell script using the same QEMU and
# virtiofsd flags (bench/handwritten-boot.sh), on the sample closure, in one invocation,
# alternating A B A B (run-to-run noise here is about +-15%). Prints each run, the medians and
# the ratio kboot/script. Whole process times, JVM start included. kboot is given --no-fast
# --machine microvm: the script has its as-configured microvm flags (under TCG kboot picks q35).
#
#   bench/boot-bench.sh [N]      (default N=7)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-7}
kboot="$here/bin/kboot"
result="$here/.cache/sample/result"
[ -e "$result" ] || { echo "boot-bench: no sample closure; run sample/build-closure.sh" >&2; exit 66; }
# What kboot would boot, from its own --dry-run: the cached ELF kernel, the store, the modules dir.
dry=$("$kboot" run "$result" --no-fast --machine microvm --dry-run --accel tcg)
kernel=$(grep -o -- '-kernel [^ ]*' <<<"$dry" | cut -d' ' -f2)
store=$(grep -o -- '--socket-path=[^ ]*virtiofsd-store.sock -o source=[^ ]*' <<<"$dry" | sed 's/.*source=//')
modules=$(grep -o -- '--socket-path=[^ ]*virtiofsd-modules.sock -o source=[^ ]*' <<<"$dry" | sed 's/.*source=//')
tsc=$(grep -o 'tsc_early_khz=[0-9]*' <<<"$("$kboot" run "$result" --no-fast --machine microvm --dry-run --accel tcg)" | cut -d= -f2)
top=$(readlink -f "$result")
marker='KBOOT-SAMPLE: stage 2 reached'

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"   # now, median
one() { # label command...
  local t0 t1 out
  t0=$(now)
  out=$("${@:2}" 2>&1) || { echo "boot-bench: $1 failed:" >&2; echo "$out" | tail -20 >&2; exit 1; }
  t1=$(now)
  grep -q "$marker" <<<"$out" || { echo "boot-bench: $1 did not reach the marker" >&2; echo "$out" | tail -20 >&2; exit 1; }
  echo $(( (t1 - t0) / 1000000 ))
}

# One warm-up of each (page cache, kboot's probe caches), not counted.
one kboot "$kboot" run "$result" --no-fast --machine microvm --accel tcg >/dev/null
one script "$here/bench/handwritten-boot.sh" "$top" "$store" "$modules" "$kernel" "$tsc" >/dev/null
ka=() sa=()
for i in $(seq "$n"); do
  k=$(one kboot "$kboot" run "$result" --no-fast --machine microvm --accel tcg)
  s=$(one script "$here/bench/handwritten-boot.sh" "$top" "$store" "$modules" "$kernel" "$tsc")
  ka+=("$k"); sa+=("$s")
  printf 'run %2d: kboot %5d ms   script %5d ms\n' "$i" "$k" "$s"
done
km=$(printf '%s\n' "${ka[@]}" | median)
sm=$(printf '%s\n' "${sa[@]}" | median)
printf 'median: kboot %d ms, hand-written script %d ms, ratio kboot/script %s (goal <= 1.10)\n' "$km" "$sm" \
  "$(awk -v a="$km" -v b="$sm" 'BEGIN {printf "%.3f", a/b}')"
