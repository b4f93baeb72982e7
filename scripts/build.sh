#!/usr/bin/env bash
# Builds kboot: the jar (cli/target/kboot.jar) and what makes it start fast, from training runs
# (dev.kboot.cli.Training; a boot of the sample closure when it exists):
#   - with the default JDK, a class data sharing archive of every command family (a boot, a test
#     run, results show/compare): cli/target/kboot.jsa, which bin/kboot runs every command on;
#   - where a JDK 25 or later is installed (/usr/lib/jvm/*, or KBOOT_AOT_JAVA=/path/to/bin/java),
#     its ahead-of-time caches (JEP 483/514) of `kboot --version` alone (cli/target/kboot-version.aot)
#     and of the results commands alone (cli/target/kboot-results.aot), and cli/target/kboot.aot.java
#     naming the JVM that must run them. Such a cache loads every class it holds at start, so each is
#     trained on its own commands: caches trained on the boot or on --help's whole command model made
#     those slower than CDS (docs/benchmarks.md has the measurements).
# Idempotent; Maven does the incremental work.
#   scripts/build.sh [extra mvn args]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mvn -B -q -DskipTests "$@" package
jar=cli/target/kboot.jar
list=cli/target/kboot.classlist
flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1)
# The results the short family reads: written by kboot results import in a JVM of its own (not
# recorded: importing is not a start-up anyone waits for).
sample=cli/target/training/results
rm -rf cli/target/training
java "${flags[@]}" -cp "$jar" dev.kboot.cli.Training "sample=$sample" >/dev/null 2>&1 || echo "build: no sample results to train on" >&2
boot=boot
[ -e .cache/sample/result ] && boot=boot=.cache/sample/result

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
rm -f cli/target/kboot.aot cli/target/kboot-*.aot cli/target/kboot.aot.java
if j=$(aot_java); then
  if "$j" -XX:AOTCacheOutput=cli/target/kboot-version.aot "${flags[@]}" -cp "$jar" dev.kboot.cli.Entry --version >/dev/null 2>&1 \
      && [ -s cli/target/kboot-version.aot ]; then
    echo "$j" > cli/target/kboot.aot.java
  else
    echo "build: no AOT cache from $j (kboot --version starts on the CDS archive)" >&2
    rm -f cli/target/kboot-version.aot
  fi
  # The results commands' own cache (trained on them alone: see above), by the jar's absolute path.
  if [ -s cli/target/kboot.aot.java ] && [ -f "$sample/results.json" ]; then
    "$j" -XX:AOTCacheOutput=cli/target/kboot-results.aot "${flags[@]}" -cp "$repo/$jar" dev.kboot.cli.Training "results=$sample" >/dev/null 2>&1 \
      && [ -s cli/target/kboot-results.aot ] \
      || { echo "build: no AOT cache of the results commands from $j (they start on the CDS archive)" >&2; rm -f cli/target/kboot-results.aot; }
  fi
fi

# One JVM through every family for the class list (CDS loads an archived class only when it is used).
java -XX:DumpLoadedClassList="$list" "${flags[@]}" -cp "$jar" dev.kboot.cli.Training "$boot" "short=$sample" >/dev/null 2>&1 || true
# The jar by its absolute path: JDK 17 records the class path as given and looks a relative one up
# from the working directory at every start, so an archive dumped with cli/target/kboot.jar was
# used only by a kboot started in this directory (from anywhere else: "Required classpath entry
# does not exist", every class loaded from the jar, results show ~270 ms slower).
java -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile=cli/target/kboot.jsa -XX:+UseSerialGC -cp "$repo/$jar" \
  -Xlog:cds=off -Xlog:cds+dynamic=off >/dev/null 2>&1 || { echo "build: no CDS archive (kboot still works, starts slower)" >&2; rm -f cli/target/kboot.jsa; }
echo "build: $repo/$jar" >&2
