#!/usr/bin/env bash
# Guest-command benchmark: round trip of `true` (median, p95) against the in-guest cost of
# running it, and the throughput of a 64 MiB stdout stream, in one boot of the sample closure.
#   bench/agent-bench.sh [N]      (default N=200)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
[ -e .cache/sample/result ] || { echo "agent-bench: no sample closure; run sample/build-closure.sh" >&2; exit 66; }
mvn -B -q -o test-compile -pl launcher >/dev/null 2>&1 || mvn -B -q test-compile -pl launcher -am
exec java -cp "launcher/target/test-classes:cli/target/kboot.jar" dev.kboot.launcher.bench.AgentBench .cache/sample/result "${1:-200}"
