#!/usr/bin/env bash
# Where kboot's boot ratio goes, guest side: bench/raw-boot.sh (the physical limit: microvm on
# virtio-mmio, QEMU's default CPU model, 256 MiB, quiet, no crypto self-tests) against itself with
# one of kboot's choices at a time, then all of them, in one invocation, alternating the sides
# round by round, whole-process wall time. Each ratio is what that choice costs at the guest's
# level (no JVM, no closure initrd); bench/speed-bench.sh gives kboot's own ratio beside it.
# Beside the wall time, the CPU time of QEMU and virtiofsd (user + system, from the shell's
# `times`): what the guest's emulation costs, which a busy shared host barely moves.
#
#   bench/where-bench.sh [ROUNDS]     (default 5)
#
# Sides (kboot's choice in brackets):
#   raw               raw-boot.sh defaults
#   pci               RAW_BUS=pci        [microvm,pcie=on: virtio-pci devices]
#   cpu max           RAW_CPU=max        [-cpu max under TCG: every feature QEMU emulates]
#   1024 MiB          RAW_MEM=1024       [kboot's default --memory]
#   loglevel          RAW_VERBOSE=1      [the closure's kernelParams print at the default level]
#   crypto tests      RAW_CRYPTO_TESTS=1 [no --fast: the crypto self-tests run]
#   kboot's           all of the above
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
raw=$here/bench/raw-boot.sh
names=(raw pci 'cpu max' '1024 MiB' loglevel 'crypto tests' "kboot's")
envs=('' 'RAW_BUS=pci' 'RAW_CPU=max' 'RAW_MEM=1024' 'RAW_VERBOSE=1' 'RAW_CRYPTO_TESTS=1'
      'RAW_BUS=pci RAW_CPU=max RAW_MEM=1024 RAW_VERBOSE=1 RAW_CRYPTO_TESTS=1')
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
# side I: prints "wall-ms cpu-ms"
side() {
  local t0 t1 out
  t0=$(now)
  # shellcheck disable=SC2086
  out=$(env ${envs[$1]} "$raw" 2>&1; echo "rc=$?"; times) 
  t1=$(now)
  grep -q '^rc=0$' <<<"$out" || { echo "where-bench: ${names[$1]} failed:" >&2; tail -n 20 <<<"$out" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 )) $(children_cpu_ms <<<"$out")"
}
nogoal() { :; }
ab_rounds where-bench "$rounds" side nogoal "${names[@]}"
