#!/usr/bin/env bash
# Start-up benchmark of the kboot command itself (no guest): `kboot --version` and
# `kboot results show` on a 1,000-test results.json, against `true` (a process start) and
# `jq . results.json` (a native program reading the same file), in one invocation, alternating the
# sides (A B C D A B C D; bench/lib.sh), whole-process wall time and CPU time (user + system, which
# a loaded host inflates less). Prints each round, each side's medians and the ratios to jq.
# Goal: kboot <= 0.15 s and <= 2x jq. The JVM's own floor is a side: `java -version` with
# bin/kboot's JVM and flags (the JVM starting and exiting, no class of kboot's), so a figure can be
# read against what no Java program can go below. bin/kboot runs --version and the results commands
# on JDK 25 AOT caches where scripts/build.sh made them, everything else on the default JDK's CDS
# archive; two more sides run --version and results show on the CDS archive (the fallback where no
# JDK 25 is installed).
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
base=${KBOOT_BASE:-}

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
# one COMMAND...: prints "wall-ms cpu-ms" (CPU: the command's user + system time, from `times` in
# the subshell that waited for it); fails the bench when the command fails
one() {
  local t0 t1 out
  t0=$(now)
  out=$("$@" >/dev/null 2>"$dir/stderr"; echo "rc=$?"; times)
  t1=$(now)
  grep -q '^rc=0$' <<<"$out" || { echo "cli-bench: $* failed:" >&2; tail -n 5 "$dir/stderr" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 )) $(children_cpu_ms <<<"$out")"
}
names=('jq .' true 'java -version' 'kboot --version' 'results show' '--version, CDS' 'results show, CDS')
[ -z "$base" ] || names+=('base --version' 'base results')
# shellcheck disable=SC2086 # $flags are words
side() { # index
  case $1 in
    0) one jq . "$dir/results.json" ;;
    1) one true ;;
    2) one "$jvm" $flags -version ;;
    3) one "$kboot" --version ;;
    4) one "$kboot" results show "$dir" ;;
    # --version where no JDK 25 is installed: the default JDK with the CDS archive (KBOOT_JAVA
    # set: bin/kboot then uses no AOT cache), to show what the AOT cache is worth.
    5) one env KBOOT_JAVA=java "$kboot" --version ;;
    # and results show the same way: what its AOT cache is worth
    6) one env KBOOT_JAVA=java "$kboot" results show "$dir" ;;
    7) one "$base" --version ;;
    8) one "$base" results show "$dir" ;;
  esac
}
goal() { case $1 in 3|4|5|6) echo '<= 150 ms and <= 2.000' ;; esac; }

"$kboot" results show "$dir" | tail -n 3 | grep -q . || { echo "cli-bench: kboot results show printed nothing" >&2; exit 1; }
echo "cli-bench: JVM $jvm $flags; ratios are to jq"
ab_rounds cli-bench "$rounds" side goal "${names[@]}"
