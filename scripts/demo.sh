#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build kboot and the sample
# closure, and boot the sample with `kboot run` to its marker line.
#   scripts/demo.sh [extra kboot run options]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
exec "$repo/bin/kboot" run "$repo/.cache/sample/result" --timings "$@"
