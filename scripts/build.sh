#!/usr/bin/env bash
# Builds kboot: the jar (cli/target/kboot.jar) and what makes it start fast, from a training run
# (a boot of the sample closure when it exists, else the CLI alone):
#   - where a JDK 25 or later is installed (/usr/lib/jvm/*, or KBOOT_AOT_JAVA=/path/to/bin/java),
#     its ahead-of-time cache (JEP 483/514: classes loaded and linked, lambdas resolved):
#     cli/target/kboot.aot, and cli/target/kboot.aot.java naming the JVM that must run it;
#   - with the default JDK, a class data sharing archive: cli/target/kboot.jsa (the fallback).
# bin/kboot uses whichever exists and fits (docs/benchmarks.md has the measurements).
# Idempotent; Maven does the incremental work.
#   scripts/build.sh [extra mvn args]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mvn -B -q -DskipTests "$@" package
jar=cli/target/kboot.jar
list=cli/target/kboot.classlist
flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1)
# The training run: the commands whose start-up users wait for, in one JVM (Training.java),
# booting the sample closure when it exists.
training=(-cp "$jar" dev.kboot.cli.Training)
[ -e .cache/sample/result ] && training+=(.cache/sample/result)

# The newest JDK >= 25 (its `release` file says JAVA_VERSION="25...").
aot_java() {
  local j v best='' bestv=0
  for j in ${KBOOT_AOT_JAVA:-} /usr/lib/jvm/*/bin/java; do
    [ -x "$j" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$(dirname "$(dirname "$(readlink -f "$j")")")/release" 2>/dev/null)
    if [ "${v:-0}" -ge 25 ] && [ "$v" -gt "$bestv" ]; then best=$j bestv=$v; fi
  done
  [ -n "$best" ] && echo "$best"
}
rm -f cli/target/kboot.aot cli/target/kboot.aot.java
if j=$(aot_java); then
  if "$j" -XX:AOTCacheOutput=cli/target/kboot.aot "${flags[@]}" "${training[@]}" >/dev/null 2>&1 \
      && [ -s cli/target/kboot.aot ]; then
    echo "$j" > cli/target/kboot.aot.java
  else
    echo "build: no AOT cache from $j (kboot still works, on the CDS archive)" >&2
    rm -f cli/target/kboot.aot
  fi
fi

java -XX:DumpLoadedClassList="$list" "${flags[@]}" "${training[@]}" >/dev/null 2>&1 || true
java -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile=cli/target/kboot.jsa -XX:+UseSerialGC -cp "$jar" \
  -Xlog:cds=off -Xlog:cds+dynamic=off >/dev/null 2>&1 || { echo "build: no CDS archive (kboot still works, starts slower)" >&2; rm -f cli/target/kboot.jsa; }
echo "build: $repo/$jar" >&2
