#!/usr/bin/env bash
# Recomputes mvnHash in nix/pkgs/kboot.nix without Nix building anything: it does what nixpkgs'
# maven.buildMavenPackage does in its fixed-output derivation, then hashes the result as Nix does.
#
#   nix/update-mvn-hash.sh            compute and write the hash into nix/pkgs/kboot.nix
#   nix/update-mvn-hash.sh --check    compute; exit 1 when the file's hash differs
#   nix/update-mvn-hash.sh --check-inputs
#                                     seconds, no network: exit 1 when a pom.xml changed since
#                                     mvnHash was last computed (nix/pkgs/kboot.mvn-inputs holds
#                                     the poms' hash then); scripts/test.sh runs it, so CI fails
#                                     on a dependency change whose mvnHash was not recomputed
#
# The steps (pkgs/by-name/ma/maven/build-maven-package.nix): nixos-24.11's Maven (3.9.9, taken
# from Maven Central and checked against nixpkgs' hash of it), an empty local repository, no user
# settings, `mvn package -Dmaven.repo.local=$out/.m2 -DskipTests -DskipTests` on the package's
# sources (the fileset in kboot.nix, as git tracks it); then *.lastUpdated,
# resolver-status.properties and _remote.repositories deleted, and the NAR hash of $out taken
# with nix-hash (Debian's nix-bin). Needs network access to Maven Central; takes a few minutes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
pkg=$repo/nix/pkgs/kboot.nix
maven_version=3.9.9
maven_sha256=7a9cdf674fc1703d6382f5f330b3d110ea1b512b51f1652846d9e4e8a588d766
cache=$repo/.cache/nix-mvn-hash
inputs=$repo/nix/pkgs/kboot.mvn-inputs
# The hash of every pom.xml git tracks: the dependencies and plugins mvnHash covers.
poms_hash() { (cd "$repo" && git ls-files -z -- pom.xml '*/pom.xml' | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }
check=false
case "${1:-}" in
  --check) check=true ;;
  --check-inputs)
    recorded=$(cat "$inputs" 2>/dev/null || true)
    if [ "$recorded" != "$(poms_hash)" ]; then
      echo "nix/pkgs/kboot.nix: a pom.xml changed since mvnHash was computed (nix/pkgs/kboot.mvn-inputs); run nix/update-mvn-hash.sh and commit both" >&2
      exit 1
    fi
    exit 0 ;;
  "") ;;
  *) echo "update-mvn-hash.sh: unknown argument '$1' (expected --check or --check-inputs)" >&2; exit 64 ;;
esac
command -v nix-hash >/dev/null || { echo "update-mvn-hash.sh: nix-hash missing (apt-get install nix-bin)" >&2; exit 69; }

mkdir -p "$cache"
tarball=$cache/apache-maven-$maven_version-bin.tar.gz
if [ ! -f "$tarball" ]; then
  curl -fsSL -o "$tarball.tmp" "https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/$maven_version/apache-maven-$maven_version-bin.tar.gz"
  mv "$tarball.tmp" "$tarball"
fi
echo "$maven_sha256  $tarball" | sha256sum -c --quiet - || { echo "update-mvn-hash.sh: $tarball is not nixpkgs' Maven $maven_version" >&2; exit 65; }
[ -x "$cache/apache-maven-$maven_version/bin/mvn" ] || tar -xzf "$tarball" -C "$cache"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The sources, as the flake sees them (git-tracked files of the fileset in kboot.nix).
mkdir -p "$work/src"
(cd "$repo" && git ls-files -z -- pom.xml launcher/pom.xml launcher/src/main harness/pom.xml harness/src/main \
   cli/pom.xml cli/src/main 'testsuites/*.yaml' bin/kboot | xargs -0 cp --parents -t "$work/src/")
out=$work/out
mkdir -p "$out" "$work/home"
(cd "$work/src" && HOME=$work/home MAVEN_OPTS= MAVEN_ARGS= "$cache/apache-maven-$maven_version/bin/mvn" \
   package -Dmaven.repo.local="$out/.m2" -DskipTests -DskipTests > "$work/mvn.log" 2>&1) \
  || { tail -n 30 "$work/mvn.log" >&2; echo "update-mvn-hash.sh: mvn package failed" >&2; exit 1; }
find "$out" -type f \( -name '*.lastUpdated' -o -name resolver-status.properties -o -name _remote.repositories \) -delete
hash=$(nix --extra-experimental-features nix-command hash to-sri --type sha256 "$(nix-hash --type sha256 --base32 "$out")")

current=$(sed -n 's/^  mvnHash = "\(.*\)";$/\1/p' "$pkg")
if [ "$current" = "$hash" ]; then
  echo "mvnHash is current: $hash"
  $check || poms_hash > "$inputs"
elif $check; then
  echo "nix/pkgs/kboot.nix: mvnHash is $current, the dependencies hash to $hash (run nix/update-mvn-hash.sh)" >&2
  exit 1
else
  sed -i "s|^  mvnHash = \".*\";$|  mvnHash = \"$hash\";|" "$pkg"
  echo "mvnHash: $current -> $hash"
  poms_hash > "$inputs"
fi
