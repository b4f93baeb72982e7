#!/usr/bin/env bash
# Boot benchmark against the physical limit: kboot against bench/raw-boot.sh (a hand-tuned QEMU +
# virtiofsd script doing the same work: boot the kernel, mount a virtiofs share, run one command,
# power off), in one invocation, alternating the sides round by round (A B C D A B C D: run-to-run
# noise on these machines is about +-15%), whole-process wall time, kboot's JVM start included.
# Prints every round, then each side's median and its ratio to the raw median.
#
#   bench/speed-bench.sh [ROUNDS]     (default 5)
#
# Sides:
#   raw             bench/raw-boot.sh (defaults: microvm/virtio-mmio, PVH ELF, 256 MiB, QEMU's default
#                   CPU model, quiet loglevel=0 cryptomgr.notests)
#   --no-fast       kboot run --no-fast CLOSURE    (the kernel as configured: crypto self-tests,
#                   -cpu max under TCG; what kboot test boots)
#   defaults        kboot run CLOSURE              (the fast boot: cryptomgr.notests, QEMU's
#                   default CPU model under TCG; boots, prints the sample's marker, powers off)
#   run -- true     kboot run CLOSURE -- true      (boot + one command through the guest agent)
#   --no-fast -- true  kboot run --no-fast CLOSURE -- true
#   shared raw      ../shared/bench/raw-boot.sh, the physical-limit script this one copies (when it
#                   is beside the checkout)
#   sample system   kboot run SAMPLE               (the sample's own stage 2: tmpfs mounts, links,
#                   the kselftests' paths; a fuller init than the reference's)
# CLOSURE is the sample's `minimal` specialisation (its init prints the release, serves the agent
# when attached, powers off: the work bench/raw-boot.sh's init does, as issue 12's reference
# closure did) with the kernelParams a NixOS closure has (`loglevel=4`, no cryptomgr.notests),
# written to .cache/bench/closure/boot.json; SAMPLE is the sample's main system with the same
# kernelParams (.cache/bench/closure/sample.json). The same kernel, initrd and store.
# BENCH_CLOSURE=DIR benchmarks another closure instead of CLOSURE.
# Where /dev/kvm exists kboot is given --accel tcg (the reference is TCG).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
kboot=$here/bin/kboot
sample=$here/.cache/sample/result
[ -e "$sample/boot.json" ] || { echo "speed-bench: no sample closure; run sample/build-closure.sh" >&2; exit 66; }
[ -f "$here/cli/target/kboot.jar" ] || { echo "speed-bench: kboot is not built; run scripts/build.sh" >&2; exit 66; }
command -v jq >/dev/null || { echo "speed-bench: needs jq (apt-get install jq)" >&2; exit 69; }

mkdir -p "$here/.cache/bench/closure"
# nixos_params JQ-PATH OUT: the sample's bootspec at JQ-PATH, alone, with a NixOS closure's
# kernelParams (no cryptomgr.notests), written to OUT; fails when there is none at JQ-PATH
nixos_params() {
  jq -e -c "{\"org.nixos.bootspec.v1\": ($1 | .\"org.nixos.bootspec.v1\" | .kernelParams |= map(select(. != \"cryptomgr.notests\"))),
             \"org.nixos.specialisation.v1\": {}}" "$sample/boot.json" > "$2"
}
if [ -n "${BENCH_CLOSURE:-}" ]; then
  closure=("$BENCH_CLOSURE")
else
  nixos_params '."org.nixos.specialisation.v1".minimal' "$here/.cache/bench/closure/boot.json" \
    || { echo "speed-bench: the sample closure has no 'minimal' specialisation; run sample/build-closure.sh" >&2; exit 66; }
  closure=("$here/.cache/bench/closure/boot.json" --store "$here/.cache/sample/store")
fi
nixos_params '.' "$here/.cache/bench/closure/sample.json"
full=("$here/.cache/bench/closure/sample.json" --store "$here/.cache/sample/store")
accel=()
[ -e /dev/kvm ] && accel=(--accel tcg)

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
# one NAME CHECK-REGEX COMMAND...: prints "wall-ms cpu-ms" (CPU: the command's and every process
# it waited for, QEMU and virtiofsd included); fails the bench when the run fails
one() {
  local name=$1 want=$2 t0 t1 out
  shift 2
  t0=$(now)
  out=$("$@" 2>&1; echo "rc=$?"; times)
  t1=$(now)
  grep -q '^rc=0$' <<<"$out" || { echo "speed-bench: $name failed:" >&2; tail -n 20 <<<"$out" >&2; exit 1; }
  grep -Eq "$want" <<<"$out" || { echo "speed-bench: $name did not print /$want/:" >&2; tail -n 20 <<<"$out" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 )) $(children_cpu_ms <<<"$out")"
}
release=$(ls "$(ls -d "$here"/.cache/sample/unpacked/linux-image-*/ | sort | tail -n 1)/lib/modules")
marker='KBOOT-SAMPLE: stage 2 reached'
names=(raw --no-fast defaults 'run -- true' '--no-fast -- true' 'sample system')
# The physical-limit script itself (../shared/bench/raw-boot.sh, where it is beside the checkout),
# as a check that the project's copy of its approach costs what it does.
shared_raw=$(cd "$here/.." && pwd)/shared/bench/raw-boot.sh
[ -f "$shared_raw" ] && names+=('shared raw')
side() { # index
  case $1 in
    0) one raw "^$release\$" "$here/bench/raw-boot.sh" ;;
    1) one --no-fast "$marker" "$kboot" run --no-fast "${closure[@]}" "${accel[@]}" ;;
    2) one defaults "$marker" "$kboot" run "${closure[@]}" "${accel[@]}" ;;
    3) one 'run -- true' '' "$kboot" run "${closure[@]}" "${accel[@]}" -- true ;;
    4) one '--no-fast -- true' '' "$kboot" run --no-fast "${closure[@]}" "${accel[@]}" -- true ;;
    5) one 'sample system' "$marker" "$kboot" run "${full[@]}" "${accel[@]}" ;;
    6) one 'shared raw' "^$release\$" env RAW_KROOT="$(ls -d "$here"/.cache/sample/unpacked/linux-image-*/ | sort | tail -n 1)" bash "$shared_raw" ;;
  esac
}
goal() { case $1 in 2|3) echo '<= 1.10' ;; esac; }
ab_rounds speed-bench "$rounds" side goal "${names[@]}"
