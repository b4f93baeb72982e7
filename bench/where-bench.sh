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
now() { date +%s%N; }
# side I: prints "wall-ms cpu-ms"
side() {
  local t0 t1 out cpu
  t0=$(now)
  # shellcheck disable=SC2086
  out=$(env ${envs[$1]} "$raw" 2>&1; echo "rc=$?"; times) 
  t1=$(now)
  grep -q '^rc=0$' <<<"$out" || { echo "where-bench: ${names[$1]} failed:" >&2; tail -n 20 <<<"$out" >&2; exit 1; }
  # the last line of `times`: the children's user and system time, as 0m1.234s 0m0.056s
  cpu=$(tail -n 1 <<<"$out" | awk '{n=0; for (i=1;i<=2;i++) {split($i,a,/[ms]/); n+=a[1]*60000+a[2]*1000}; printf "%d", n}')
  echo "$(( (t1 - t0) / 1000000 )) $cpu"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

echo "where-bench: $rounds rounds; $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!names[@]}"; do side "$i" >/dev/null; done   # warm-up, not counted
declare -A walls cpus
for r in $(seq "$rounds"); do
  line="round $r:"
  for i in "${!names[@]}"; do
    read -r t c <<<"$(side "$i")"
    [ -n "$t" ] || exit 1   # the side failed (it said why)
    walls[$i]+="$t "; cpus[$i]+="$c "
    line+=$(printf '  %s %5d/%5d' "${names[$i]}" "$t" "$c")
  done
  echo "$line ms (wall/CPU)"
done
wb=$(tr ' ' '\n' <<<"${walls[0]}" | grep . | median)
cb=$(tr ' ' '\n' <<<"${cpus[0]}" | grep . | median)
printf '\n%-14s %10s %7s %10s %7s\n' side "wall" ratio "CPU" ratio
for i in "${!names[@]}"; do
  w=$(tr ' ' '\n' <<<"${walls[$i]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${cpus[$i]}" | grep . | median)
  printf '%-14s %7d ms %7s %7d ms %7s\n' "${names[$i]}" "$w" "$(awk -v a="$w" -v b="$wb" 'BEGIN {printf "%.3f", a/b}')" \
    "$c" "$(awk -v a="$c" -v b="$cb" 'BEGIN {printf "%.3f", a/b}')"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
