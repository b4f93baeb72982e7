#!/usr/bin/env bash
# Builds kboot: the jar (cli/target/kboot.jar) and what makes it start fast, from training runs
# (dev.kboot.cli.Training; a boot of the sample closure when it exists):
#   - where a JDK 25 or later is installed (/usr/lib/jvm/*, or KBOOT_AOT_JAVA=/path/to/bin/java),
#     its ahead-of-time caches (JEP 483/514: classes loaded and linked, lambdas resolved), one per
#     command family, because such a cache loads every class it holds at start, whatever the
#     command: cli/target/kboot-version.aot (--version), kboot-short.aot (results, help, doctor,
#     ...: trained on results show/compare), kboot-boot.aot (run, shell, test: trained on a boot),
#     and cli/target/kboot.aot.java naming the JVM that must run them;
#   - with the default JDK, a class data sharing archive of all of them: cli/target/kboot.jsa (the
#     fallback; CDS maps its classes and loads each when first used).
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
# The results the short family reads: written by kboot results import in a JVM of its own (not
# recorded), so the short family's cache holds the reading side only.
sample=cli/target/training/results
rm -rf cli/target/training
java "${flags[@]}" -cp "$jar" dev.kboot.cli.Training "sample=$sample" >/dev/null 2>&1 || echo "build: no sample results to train on" >&2
boot=boot
[ -e .cache/sample/result ] && boot=boot=.cache/sample/result
declare -A training=(
  [version]="dev.kboot.cli.Entry --version"
  [short]="dev.kboot.cli.Training short=$sample"
  [boot]="dev.kboot.cli.Training $boot"
)

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
  made=0
  for family in version short boot; do
    # shellcheck disable=SC2086 # the training command is words
    if "$j" -XX:AOTCacheOutput="cli/target/kboot-$family.aot" "${flags[@]}" -cp "$jar" ${training[$family]} >/dev/null 2>&1 \
        && [ -s "cli/target/kboot-$family.aot" ]; then
      made=$((made + 1))
    else
      echo "build: no $family AOT cache from $j (those commands start on the CDS archive)" >&2
      rm -f "cli/target/kboot-$family.aot"
    fi
  done
  if [ "$made" -gt 0 ]; then echo "$j" > cli/target/kboot.aot.java; fi
fi

# One JVM through every family for the class list (CDS loads an archived class only when it is used).
java -XX:DumpLoadedClassList="$list" "${flags[@]}" -cp "$jar" dev.kboot.cli.Training "$boot" "short=$sample" >/dev/null 2>&1 || true
java -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile=cli/target/kboot.jsa -XX:+UseSerialGC -cp "$jar" \
  -Xlog:cds=off -Xlog:cds+dynamic=off >/dev/null 2>&1 || { echo "build: no CDS archive (kboot still works, starts slower)" >&2; rm -f cli/target/kboot.jsa; }
echo "build: $repo/$jar" >&2
