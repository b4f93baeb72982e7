#!/usr/bin/env bash
# Builds kboot: the jar (cli/target/kboot.jar) and its class data sharing archive
# (cli/target/kboot.jsa) from a training run. Idempotent; Maven does the incremental work.
#   scripts/build.sh [extra mvn args]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mvn -B -q -DskipTests "$@" package
jar=cli/target/kboot.jar
list=cli/target/kboot.classlist
# Training: a boot of the sample closure when it exists (loads everything `kboot run` needs),
# else the CLI alone.
train() { java -XX:DumpLoadedClassList="$list" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$jar" "$@" >/dev/null 2>&1 || true; }
if [ -e .cache/sample/result ]; then
  train run .cache/sample/result -q --timeout 60s
else
  train run --help
fi
java -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile=cli/target/kboot.jsa -XX:+UseSerialGC -cp "$jar" \
  -Xlog:cds=off -Xlog:cds+dynamic=off >/dev/null 2>&1 || { echo "build: no CDS archive (kboot still works, starts slower)" >&2; rm -f cli/target/kboot.jsa; }
echo "build: $repo/$jar" >&2
