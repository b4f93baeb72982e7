#!/usr/bin/env bash
# Start-up benchmark of the kboot command itself (no guest): `kboot --version` and
# `kboot results show` on a 1,000-test results.json, against `true` (a process start) and
# `jq . results.json` (a native program reading the same file), in one invocation, alternating the
# sides (A B C D A B C D), whole-process wall time and CPU time (user + system, which a loaded host
# inflates less). Prints each side's medians and the ratios to jq.
# Goal: kboot <= 0.15 s and <= 2x jq. The JVM's own floor is a side: `java -version` with
# bin/kboot's JVM and flags (the JVM starting and exiting, no class of kboot's), so a figure can be
# read against what no Java program can go below. The last two sides run kboot on the default JDK
# with the CDS archive (no AOT cache), the fallback where no JDK 25 is installed.
#
#   bench/cli-bench.sh [ROUNDS]        (default 21)
#   KBOOT_BASE=/other/checkout/bin/kboot bench/cli-bench.sh [ROUNDS]
#                                      adds that build's --version and results show as two more
#                                      sides (before/after a change, in the same invocation)
#
# The results.json is made here (schema kboot-results/1, docs/results-schema.md): 1,000 tests of
# a kselftest-like run, 950 passing, the rest failing, skipped or timed out with reasons and
# excerpts; kboot reads it like any other (`kboot results show` checks every field).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-21}
kboot=$here/bin/kboot
[ -f "$here/cli/target/kboot.jar" ] || { echo "cli-bench: kboot is not built; run scripts/build.sh" >&2; exit 66; }
command -v jq >/dev/null || { echo "cli-bench: needs jq (apt-get install jq)" >&2; exit 69; }

dir=$here/.cache/bench/results-1000
mkdir -p "$dir"
if [ ! -s "$dir/results.json" ]; then
  jq -n '
    def status(i): if i % 97 == 0 then "fail" elif i % 89 == 0 then "timeout" elif i % 41 == 0 then "skip" else "pass" end;
    [range(1000)] as $r |
    { schema: "kboot-results/1",
      run: { kbootVersion: "0.1.0", kernelRelease: "6.1.0-57-amd64",
             kernelCmdline: "loglevel=4 root=tmpfs console=ttyS0,115200 console=hvc0 init=/nix/store/x-nixos-system/init panic=-1",
             bootspecLabel: "NixOS 24.11 (Linux 6.1.0)", bootspecToplevel: "/nix/store/x-nixos-system",
             qemuVersion: "QEMU emulator version 7.2.22", accelerator: "tcg",
             phaseTimingsMs: {"kboot started": 120, "QEMU started": 180, "init reached": 2900, "guest powered off": 61000},
             startTime: "2026-11-22T10:00:00Z", endTime: "2026-11-22T10:01:01Z", finished: true,
             suites: ["kselftest:bench"] },
      complete: true, incomplete: [], incompleteReasons: [], problems: [], incidents: [],
      tests: [ $r[] as $i | status($i) as $s |
        { id: "kselftest/coll\($i % 40)/test_\($i)", path: ["kselftest", "coll\($i % 40)", "test_\($i)"],
          status: $s, rawStatus: (if $s == "pass" then "ok" else "not ok" end),
          reason: (if $s == "pass" then "" else "\($s): exit status \($i % 7 + 1) after the check of case \($i)" end),
          durationMs: (($i * 37) % 900 + 12), unstable: false, artifacts: [], incidents: [],
          excerpt: (if $s == "pass" then "" else ([range(20)] | map("# line \(.) of the output of test_\($i): expected 1, got 0") | join("\n")) end) } ] }' \
    > "$dir/results.json"
fi

# bin/kboot's JVM (the one its AOT caches were made by, else java) and its flags, for the floor
jvm=java
[ -f "$here/cli/target/kboot.aot.java" ] && read -r jvm < "$here/cli/target/kboot.aot.java"
flags=$(sed -n 's/^exec "$java" \(.*\) $share .*/\1/p' "$kboot")
[ -n "$flags" ] || { echo "cli-bench: cannot read the JVM flags from $kboot" >&2; exit 70; }
names=(true 'jq .' 'java -version' 'kboot --version' 'kboot results show' '--version on CDS' 'results show on CDS')
base=${KBOOT_BASE:-}
[ -z "$base" ] || names+=('base --version' 'base results show')
run_side() {
  case $1 in
    0) true ;;
    1) jq . "$dir/results.json" >/dev/null ;;
    # shellcheck disable=SC2086 # flags are words
    2) "$jvm" $flags -version 2>/dev/null ;;
    3) "$kboot" --version >/dev/null ;;
    4) "$kboot" results show "$dir" >/dev/null ;;
    # The fallback where no JDK 25 is installed: the default JDK with the CDS archive (KBOOT_JAVA
    # set: bin/kboot then uses no AOT cache), to show what the AOT cache is worth.
    5) KBOOT_JAVA=java "$kboot" --version >/dev/null ;;
    6) KBOOT_JAVA=java "$kboot" results show "$dir" >/dev/null ;;
    7) "$base" --version >/dev/null ;;
    8) "$base" results show "$dir" >/dev/null ;;
  esac
}
# "WALL_US CPU_US" of one run of side $1. CPU: the children's user + system time, from `times` run
# in this shell before and after (not in a command substitution, whose children are its own).
side() {
  local t0 t1
  t0=$(date +%s%N)
  times > "$dir/times.0"
  run_side "$1"
  times > "$dir/times.1"
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 )) $(( $(cpu_us "$dir/times.1") - $(cpu_us "$dir/times.0") ))"
}
# the children's user + system CPU time in a `times` output, in microseconds
cpu_us() {
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, /m/); s += p[1] * 60 + p[2] } } END { printf "%d\n", s * 1000000 }' "$1"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

"$kboot" results show "$dir" | tail -n 3 | grep -q . || { echo "cli-bench: kboot results show printed nothing" >&2; exit 1; }
echo "cli-bench: $rounds rounds; $(nproc) CPUs; JVM $jvm $flags; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!names[@]}"; do side "$i" >/dev/null; done
declare -A wall cpu
for r in $(seq "$rounds"); do
  for i in "${!names[@]}"; do
    read -r w c < <(side "$i")
    wall[$i]+="$w " cpu[$i]+="$c "
  done
done
jqm=$(tr ' ' '\n' <<<"${wall[1]}" | grep . | median)
printf '%-20s %11s %8s %11s\n' side "wall median" "x jq" "CPU median"
for i in "${!names[@]}"; do
  m=$(tr ' ' '\n' <<<"${wall[$i]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${cpu[$i]}" | grep . | median)
  printf '%-20s %8.1f ms %8s %8.1f ms\n' "${names[$i]}" "$(awk -v m="$m" 'BEGIN {print m / 1000}')" \
    "$(awk -v a="$m" -v b="$jqm" 'BEGIN {printf "%.2f", a/b}')" "$(awk -v m="$c" 'BEGIN {print m / 1000}')"
done
echo "goal: kboot <= 150 ms and <= 2.00 x jq (wall)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
