#!/usr/bin/env bash
# Runs all of kboot's tests: unit tests, then end-to-end tests that boot the sample closure on
# real QEMU and virtiofsd. Installs what is missing first (scripts/setup.sh).
#   scripts/test.sh [extra mvn args]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
cd "$repo"
# The Nix package's mvnHash covers the poms' dependencies: fail early when a pom changed since it
# was computed (seconds; recomputing it takes minutes and the network: nix/update-mvn-hash.sh).
nix/update-mvn-hash.sh --check-inputs
mvn -B verify "$@"
