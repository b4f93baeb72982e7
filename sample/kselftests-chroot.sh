#!/usr/bin/env bash
# Run the kselftests that sample/build-kselftests.sh built in a chroot shaped like the sample
# guest's stage 2, on this host's kernel: busybox as the only userland (/bin/sh, PATH), the
# store read-only at /nix/store, /lib64 and /lib/x86_64-linux-gnu pointing at the kselftests'
# lib/, a fresh tmpfs /tmp, a /dev with only device nodes (devtmpfs has no /dev/fd, /dev/stdout
# symlinks), devpts and /dev/shm. It checks what the guest needs, not the kernel: the host's
# kernel is not the guest's.
#
#   sample/kselftests-chroot.sh [--cache DIR] [--guest-fixes] [--copy-to-tmp] [--out DIR] [RUN_KSELFTEST_ARGS...]
#
#   --guest-fixes   add what sample/README.md asks of the guest: /dev/fd, /dev/std{in,out,err}
#                   symlinks, /bin/true, /usr/bin/timeout and /sbin/modprobe from the
#                   kselftests' bin/
#   --copy-to-tmp   run a copy of kselftest/ in /tmp (some tests write into their directory)
#   --out DIR       also write the TAP stream to DIR/chroot-<collections>.tap
#   default RUN_KSELFTEST_ARGS: all collections
#
# Needs root (unshare -m, mounts, chroot); everything is undone when it exits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache="$repo/.cache/sample"
fixes=""; copy=""; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=$2; shift 2 ;;
    --guest-fixes) fixes=1; shift ;;
    --copy-to-tmp) copy=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
k="$cache/kselftest"
[ -x "$k/install/run_kselftest.sh" ] || { echo "kselftests-chroot: run sample/build-kselftests.sh first" >&2; exit 66; }
bb=/bin/busybox
[ -x "$bb" ] || { echo "kselftests-chroot: $bb missing (apt-get install busybox-static)" >&2; exit 69; }

if [ -z "${KSELFTESTS_CHROOT_INNER:-}" ]; then
  [ -z "$out" ] || { mkdir -p "$out"; out=$(cd "$out" && pwd); }
  args=(); [ -n "$fixes" ] && args+=(--guest-fixes); [ -n "$copy" ] && args+=(--copy-to-tmp); [ -n "$out" ] && args+=(--out "$out")
  exec env KSELFTESTS_CHROOT_INNER=1 unshare -m --propagation private "$0" --cache "$cache" "${args[@]}" "$@"
fi

# --- inside a private mount namespace -------------------------------------------------------
r=$(mktemp -d /tmp/kselftests-chroot.XXXXXX)
trap 'umount -R -l "$r" 2>/dev/null; rmdir "$r" 2>/dev/null || true' EXIT
mount -t tmpfs -o mode=0755 root "$r"
ks=/nix/store/00000000000000000000000000000000-kselftests
bbp=/nix/store/11111111111111111111111111111111-busybox
mkdir -p "$r/nix/store" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run/current-system/sw/bin" "$r/etc" "$r/usr/bin" "$r/root" "$r/lib"
mount -t tmpfs -o mode=0755 store "$r/nix/store"
mkdir -p "$r$ks/kselftest" "$r$ks/lib" "$r$ks/bin" "$r$bbp/bin"
for d in kselftest:install lib:lib bin:bin; do
  mount --bind "$k/${d#*:}" "$r$ks/${d%%:*}"; mount -o remount,bind,ro "$r$ks/${d%%:*}"
done
cp "$bb" "$r$bbp/bin/busybox"
for a in $("$bb" --list); do [ "$a" = busybox ] || ln -s busybox "$r$bbp/bin/$a"; ln -s "$bbp/bin/$a" "$r/run/current-system/sw/bin/$a"; done
mount -o remount,ro "$r/nix/store"
mkdir -p "$r/bin"; ln -s "$bbp/bin/sh" "$r/bin/sh"; ln -s "$bbp/bin/env" "$r/usr/bin/env"
ln -s "$ks/lib" "$r/lib64"; ln -s "$ks/lib" "$r/lib/x86_64-linux-gnu"
echo "root:x:0:0:root:/root:/bin/sh" > "$r/etc/passwd"; echo "root:x:0:" > "$r/etc/group"
mount -t proc proc "$r/proc"
mount --rbind /sys "$r/sys"
mount -t tmpfs -o mode=1777 tmp "$r/tmp"
mount -t tmpfs -o mode=0755 dev "$r/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 kmsg:1:11 tty:5:0 console:5:1; do
  IFS=: read -r name ma mi <<< "$n"; mknod -m 666 "$r/dev/$name" c "$ma" "$mi"
done
mkdir -p "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"; ln -s pts/ptmx "$r/dev/ptmx"
mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
if [ -n "$fixes" ]; then
  ln -s /proc/self/fd "$r/dev/fd"
  for i in 0:stdin 1:stdout 2:stderr; do ln -s "/proc/self/fd/${i%%:*}" "$r/dev/${i#*:}"; done
  ln -s "$ks/bin/true" "$r/bin/true"
  ln -s "$ks/bin/timeout" "$r/usr/bin/timeout"
  mkdir -p "$r/sbin"; ln -s "$ks/bin/modprobe" "$r/sbin/modprobe"
fi
dir="$ks/kselftest"
if [ -n "$copy" ]; then
  cmd="cp -a $ks/kselftest /tmp/kselftest && cd /tmp/kselftest && ./run_kselftest.sh"
else
  cmd="cd $dir && ./run_kselftest.sh"
fi
[ $# -gt 0 ] || set -- $(cut -d: -f1 "$k/install/kselftest-list.txt" | uniq | sed 's/^/-c /')
tapfile=/dev/null
if [ -n "$out" ]; then
  tapfile="$out/chroot-$(printf '%s\n' "$@" | grep -v '^-' | tr '\n' '_' | sed 's/_$//' | cut -c1-80).tap"
fi
rc=0
env -i PATH=/run/current-system/sw/bin:$ks/bin HOME=/root TERM=dumb \
  "$(command -v chroot)" "$r" /bin/sh -c "$cmd $*" < /dev/null 2>&1 | tee "$tapfile" || rc=$?
exit $rc
