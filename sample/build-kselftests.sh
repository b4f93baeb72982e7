#!/usr/bin/env bash
# Build the kselftests of the sample closure from Debian's linux-source-6.1, the source of the
# very kernel the sample boots, for sample/build-closure.sh to put into the store.
#
#   sample/build-kselftests.sh [--cache DIR] [--jobs N] [--force]
#
#   --cache DIR   the sample cache (default <repo>/.cache/sample); everything goes under DIR/kselftest
#   --jobs N      make -j N (default 2, the machine has 2 cores and boots VMs)
#   --force       rebuild even when DIR/kselftest/stamp says the output is up to date
#
# Steps: match the linux-image-*.deb in DIR/downloads (the kernel build-closure.sh uses) to
# linux-source-<series>=<same Debian version>, apt-get download it (exit 69 when apt cannot
# give that version), unpack from its tarball only what `make headers` and the selftests need,
# install missing build dependencies with apt-get, build the TARGETS below against the
# source's own uapi headers, install them with run_kselftest.sh, drop the EXCLUDED tests from
# each collection's list, copy GNU timeout and true and kmod (modprobe) into bin/, and every shared
# library that the installed binaries and bin/ need into lib/.
#
# Output, under DIR/kselftest:
#   downloads/linux-source-<series>_<version>_all.deb
#   src/linux-source-<version>/     the partial source tree (headers and selftests built in it)
#   install/                        INSTALL_PATH: run_kselftest.sh, kselftest-list.txt, <target>/
#   bin/                            timeout, true (GNU coreutils), kmod and modprobe/insmod/rmmod/lsmod/modinfo
#   lib/                            ld-linux-x86-64.so.2, libc.so.6, ... (for /lib64 and /lib/x86_64-linux-gnu)
#   build.log                       the last make output
#   stamp                           a hash of the inputs; written last, when everything above is complete
#
# Idempotent: when the stamp matches the inputs (source version and .deb hash, this script,
# the versions of the host packages whose files are built with or copied), it only prints
# what is there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache="$repo/.cache/sample"
jobs=2
force=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) [ $# -ge 2 ] || { echo "build-kselftests.sh: --cache needs a directory" >&2; exit 64; }; cache=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "build-kselftests.sh: --jobs needs a positive number" >&2; exit 64; }; jobs=$2; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-kselftests.sh: unknown argument '$1' (expected --cache DIR, --jobs N, --force)" >&2; exit 64 ;;
  esac
done
mkdir -p "$cache/kselftest/downloads"
cache=$(cd "$cache" && pwd)
k="$cache/kselftest"
log() { echo "kselftests: $*" >&2; }
die() { local rc=$1; shift; echo "kselftests: $*" >&2; exit "$rc"; }
t0=$(date +%s)

# --- what is built ---------------------------------------------------------------------------
# Collections that build on Debian 12 with the packages below, need nothing but busybox sh and
# applets (plus bin/ here) in the guest, no network and no module beyond Debian's 6.1 config,
# and are quick enough under TCG. Why other collections are left out: sample/README.md.
TARGETS="size timers futex mqueue breakpoints exec kcmp membarrier sigaltstack rlimits splice
proc clone3 core openat2 pidfd ptrace tmpfs vDSO timens nsfs ipc syscall_user_dispatch
pid_namespace seccomp rseq prctl sync fpu user static_keys"
# Tests removed from the lists of the collections above (collection:test  reason).
EXCLUDED="
timers:posix_timers             compares CPU-time timers with the wall clock within 0.5 s: likely flaky on a loaded TCG guest
timers:nsleep-lat               latency thresholds that TCG is likely to miss; 85 s on the host
timers:set-timer-lat            latency thresholds that TCG is likely to miss; 80 s on the host
timers:inconsistency-check      10 s per clock, 88 s on the host
timers:raw_skew                 sleeps 120 s
timers:threadtest               runs 30 s
timers:rtcpie                   depends on /dev/rtc0 and periodic RTC interrupts
mqueue:mq_perf_tests            a performance run of minutes (settings timeout=180)
breakpoints:step_after_suspend_test  suspends the machine through /sys/power/state
exec:binfmt_script.py           needs python3
exec:execveat                   expects 126/127 from /bin/sh on an unopenable script; busybox sh (like dash) exits 2
exec:load_address.0x1000000     a 50 MB file (padding for 16 MB alignment); the 0x200000 variant tests the same
exec:load_address.static.0x1000000  a 50 MB file, as above
splice:short_splice_read.sh     needs test_module.ko (CONFIG_TEST_LKM, not set by Debian)
clone3:clone3_cap_checkpoint_restore  pokes libcap's private struct layout, which Debian 12's libcap 2.66 changed: cap_set_proc fails
openat2:rename_attack_test      12 s of CPU-bound racing on the host (past the 45 s timeout under TCG)
pidfd:pidfd_test                10 s of CPU on the host (past the 45 s timeout under TCG)
ptrace:vmaccess                 its attach case times out (30 s) waiting for a de_thread/ptrace fix that 6.1 lacks (fails on the 6.18 host too)
syscall_user_dispatch:sud_benchmark  a 10 s CPU benchmark
seccomp:seccomp_benchmark       a benchmark that exceeds its 120 s timeout even on the host
rseq:basic_percpu_ops_test      70 s on the host
rseq:run_param_test.sh          needs bash and runs for minutes
prctl:disable-tsc-ctxt-sw-stress-test  a 10 s fork storm
prctl:disable-tsc-on-off-stress-test   a 10 s fork storm
fpu:run_test_fpu.sh             needs bash and test_fpu.ko (CONFIG_TEST_FPU, not set by Debian)
"
# Build dependencies (Debian packages); libcap-dev for clone3 and seccomp.
BUILD_DEPS="gcc make libc6-dev rsync libpopt-dev libcap-dev xz-utils"
# Host programs copied into bin/: GNU timeout (run_kselftest.sh uses `/usr/bin/timeout
# --foreground`, which busybox's timeout lacks), GNU true (exec's non-regular test execs
# /bin/true through a symlink named S_IFLNK.test, which busybox answers with "applet not
# found") and kmod (the user and static_keys tests run `/sbin/modprobe -q -n`, and busybox's
# modprobe has no -n).
BIN_PROGS="/usr/bin/timeout /usr/bin/true /bin/kmod"
KMOD_LINKS="modprobe insmod rmmod lsmod modinfo"
# Always in lib/, needed or not: the loader and the usual glibc libraries, and libpopt.
BASE_LIBS="ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libpthread.so.0 librt.so.1 libdl.so.2 libpopt.so.0"
multiarch=/lib/x86_64-linux-gnu

# --- inputs: the kernel's Debian version -------------------------------------------------------
kernel_deb=$(ls "$cache"/downloads/linux-image-*-amd64_*_amd64.deb 2>/dev/null | grep -v -- -unsigned | sort | tail -n 1 || true)
if [ -n "$kernel_deb" ]; then
  version=$(dpkg-deb -f "$kernel_deb" Version)
  kernel_pkg=$(dpkg-deb -f "$kernel_deb" Package)
else
  # The same resolution as build-closure.sh, without downloading the kernel.
  kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$kernel_pkg" ] || die 69 "no kernel .deb in $cache/downloads and apt-cache cannot resolve linux-image-amd64 (run sample/build-closure.sh first)"
  version=$(apt-cache show --no-all-versions "$kernel_pkg" 2>/dev/null | awk '/^Version:/ {print $2; exit}')
  [ -n "$version" ] || die 69 "apt-cache knows no version of $kernel_pkg"
fi
upstream=${version%%-*}                      # 6.1.192
series=$(echo "$upstream" | cut -d. -f1,2)   # 6.1
src_pkg="linux-source-$series"
log "kernel $kernel_pkg $version: building kselftests from $src_pkg=$version"

# --- download the source package (cached) ---------------------------------------------------
src_deb="$k/downloads/${src_pkg}_${version}_all.deb"
if [ ! -s "$src_deb" ] || ! dpkg-deb -f "$src_deb" Version >/dev/null 2>&1; then
  rm -f "$src_deb"
  log "downloading $src_pkg=$version"
  (cd "$k/downloads" && apt-get download -q "$src_pkg=$version" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) || true
  if [ ! -s "$src_deb" ]; then
    avail=$(apt-cache madison "$src_pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); printf "%s%s", (NR > 1 ? " " : ""), $2}')
    die 69 "cannot download $src_pkg=$version with apt-get (the kernel is $kernel_pkg $version; apt offers: ${avail:-nothing}). Try apt-get update, or a sources.list entry (e.g. bookworm-security) that still has $version."
  fi
fi
[ "$(dpkg-deb -f "$src_deb" Version)" = "$version" ] || die 69 "$src_deb is not version $version"

# --- build dependencies --------------------------------------------------------------------------
missing=""
for p in $BUILD_DEPS; do
  dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  log "installing build dependencies:$missing"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends $missing >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends $missing >/dev/null || die 69 "apt-get install$missing failed"
  fi
fi
for f in $BIN_PROGS; do [ -x "$f" ] || die 69 "$f missing (apt-get install coreutils kmod)"; done

# --- stamp: is the output up to date? --------------------------------------------------------
host_pkgs=$(dpkg-query -W -f '${Package}=${Version}\n' gcc-12 libc6 libc6-dev libcap2 libcap-dev libpopt0 coreutils kmod libzstd1 liblzma5 libssl3 2>/dev/null | LC_ALL=C sort | tr '\n' ' ')
stamp=$( { echo "source $src_pkg $version"; sha256sum < "$src_deb" | cut -d' ' -f1; echo "targets $TARGETS";
           echo "host $host_pkgs"; sha256sum < "$0" | cut -d' ' -f1; } | sha256sum | cut -d' ' -f1)

summary() {
  local inst="$k/install" n
  n=$(grep -c . "$inst/kselftest-list.txt")
  echo "kselftests for $kernel_pkg $version: $n tests in $(cut -d: -f1 "$inst/kselftest-list.txt" | uniq | wc -l) collections"
  cut -d: -f1 "$inst/kselftest-list.txt" | uniq | while read -r c; do
    printf '  %-22s %s\n' "$c" "$(grep "^$c:" "$inst/kselftest-list.txt" | cut -d: -f2- | tr '\n' ' ')"
  done
  echo "bin: $(ls "$k/bin" | tr '\n' ' ')"
  echo "lib: $(ls "$k/lib" | tr '\n' ' ')"
  echo "size: install $(du -sh "$inst" | cut -f1), bin $(du -shL "$k/bin" | cut -f1), lib $(du -sh "$k/lib" | cut -f1); stamp $(cat "$k/stamp")"
}
if [ -z "$force" ] && [ -f "$k/stamp" ] && [ "$(cat "$k/stamp")" = "$stamp" ] && [ -x "$k/install/run_kselftest.sh" ]; then
  log "up to date ($k)"
  summary
  exit 0
fi

# --- unpack only what `make headers` and the selftests need (cached per version) ---------------
src="$k/src/linux-source-$version"
if [ ! -f "$src/.kboot-extracted" ]; then
  log "unpacking tools, include/uapi, arch/x86/{include/uapi,Makefile,entry/syscalls,tools}, scripts, usr, Makefile"
  rm -rf "$src" "$src.tmp" && mkdir -p "$src.tmp"
  top="linux-source-$series"
  dpkg-deb --fsys-tarfile "$src_deb" | tar -xO "./usr/src/$top.tar.xz" |
    tar -xJ -C "$src.tmp" --strip-components=1 \
      "$top/Makefile" "$top/tools" "$top/include/uapi" "$top/scripts" "$top/usr" \
      "$top/arch/x86/include/uapi" "$top/arch/x86/Makefile" "$top/arch/x86/entry/syscalls" "$top/arch/x86/tools"
  touch "$src.tmp/.kboot-extracted"
  mv "$src.tmp" "$src"
fi
mk_version=$(awk -F' = ' '/^VERSION =/ {v=$2} /^PATCHLEVEL =/ {p=$2} /^SUBLEVEL =/ {s=$2} END {print v"."p"."s}' "$src/Makefile")
[ "$mk_version" = "$upstream" ] || die 70 "source tree is $mk_version, expected $upstream"
if [ ! -f "$src/usr/include/linux/version.h" ]; then
  log "make headers (the source's own uapi headers in usr/include, used by the selftests)"
  make -s -C "$src" -j"$jobs" headers > "$k/build.log" 2>&1 || { tail -n 30 "$k/build.log" >&2; die 70 "make headers failed (log: $k/build.log)"; }
fi

# --- build and install -----------------------------------------------------------------------------
targets=$(echo $TARGETS)
log "building TARGETS=\"$targets\" (make -j$jobs)"
rm -rf "$k/install.new" "$k/bin.new" "$k/lib.new"
st=$(date +%s)
{
  make -C "$src/tools/testing/selftests" TARGETS="$targets" clean
  make -C "$src/tools/testing/selftests" -j"$jobs" FORCE_TARGETS=1 TARGETS="$targets" install INSTALL_PATH="$k/install.new"
} > "$k/build.log" 2>&1 || { grep -E 'error|Error' "$k/build.log" | head -n 20 >&2; die 70 "selftests build failed (log: $k/build.log)"; }
log "built and installed in $(( $(date +%s) - st )) s"

# --- drop the excluded tests -------------------------------------------------------------------
inst="$k/install.new"
list="$inst/kselftest-list.txt"
echo "$EXCLUDED" | while read -r entry _; do
  [ -n "$entry" ] || continue
  grep -qFx "$entry" "$list" || die 70 "excluded test $entry is not in the built list (stale EXCLUDED?)"
  rm -f "$inst/${entry%%:*}/${entry#*:}"
  grep -vFx "$entry" "$list" > "$list.tmp"; mv "$list.tmp" "$list"
done
while IFS=: read -r c t; do
  [ -x "$inst/$c/$t" ] || die 70 "listed test $c:$t is not an executable file"
done < "$list"
for c in $targets; do grep -q "^$c:" "$list" || die 70 "collection $c has no test left"; done

# --- bin/: GNU timeout and true, kmod ------------------------------------------------------------------
mkdir -p "$k/bin.new"
for f in $BIN_PROGS; do cp -L "$f" "$k/bin.new/"; done
for l in $KMOD_LINKS; do ln -s kmod "$k/bin.new/$l"; done

# --- lib/: every shared library the binaries need, by soname, plus BASE_LIBS -----------------------
mkdir -p "$k/lib.new"
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
needed=$(
  find "$inst" "$k/bin.new" -type f | while read -r f; do
    is_elf "$f" || continue
    out=$(ldd "$f" 2>&1) || continue          # static binaries: "not a dynamic executable"
    echo "$out" | while read -r line; do
      case "$line" in
        *"=> not found"*)
          lib=${line%% *}
          # rseq links librseq.so with RUNPATH ./ : it is in the test's own directory.
          [ -e "$(dirname "$f")/$lib" ] || echo "MISSING $lib for $f" ;;
        *"=> /"*) p=${line#*=> }; echo "${p%% (*}" ;;
        /*) echo "${line%% (*}" ;;
      esac
    done
  done | LC_ALL=C sort -u)
if echo "$needed" | grep -q '^MISSING'; then echo "$needed" | grep '^MISSING' >&2; die 70 "unresolved libraries"; fi
for l in $BASE_LIBS; do needed="$needed
$multiarch/$l"; done
for p in $(echo "$needed" | LC_ALL=C sort -u); do
  [ -e "$p" ] || die 70 "library $p missing on this host"
  cp -L "$p" "$k/lib.new/$(basename "$p")"
done

# --- swap in, stamp last ------------------------------------------------------------------------------
rm -f "$k/stamp"
rm -rf "$k/install" "$k/bin" "$k/lib"
mv "$k/install.new" "$k/install"; mv "$k/bin.new" "$k/bin"; mv "$k/lib.new" "$k/lib"
echo "$stamp" > "$k/stamp"
"$k/install/run_kselftest.sh" -l | cmp -s - "$k/install/kselftest-list.txt" || die 70 "run_kselftest.sh -l does not list the installed tests"
log "done in $(( $(date +%s) - t0 )) s"
summary
