#!/usr/bin/env bash
# Build the kboot sample disk image: a legacy-BIOS qcow2 shaped like the image a NixOS build
# makes, from the same real parts as the sample closure (sample/build-closure.sh runs first).
#
#   sample/build-image.sh [--cache DIR]
#
# The disk: an MBR (syslinux's mbr.bin) with one bootable partition from 1 MiB, ext4 labelled
# `nixos`, holding a /nix/store with Debian's kernel and modules, busybox and the kboot agent
# (the sample closure's store paths), an image initrd and an image system; extlinux (Debian's
# extlinux package) on the partition boots the kernel with
#   root=LABEL=nixos console=ttyS0,115200 init=/nix/store/<system>/init
# The initrd loads virtio_blk and ext4, mounts the partition labelled nixos and switch_roots into
# init=. Stage 2 mounts the pseudo filesystems, loads virtio_net, brings eth0 up with DHCP
# (busybox udhcpc: libvirt's `default` network answers), starts busybox acpid (an ACPI power
# button powers it off), prints the marker line
#   KBOOT-SAMPLE: stage 2 reached on Linux <release> (disk image)
# and serves the kboot agent on the org.kboot.agent port (restarted if it exits); it stays up
# until powered off. A kernel panic is reported to libvirt through pvpanic.
#
# Output, under the cache (default: <repo>/.cache/sample), beside the closure's `result`:
#   images/<hash>-kboot-sample-image/nixos.qcow2   (read-only, 0444, as a store path would be)
#   result-image -> images/<hash>-kboot-sample-image
# Needs root (a loop mount to install extlinux), e2fsprogs, fdisk (sfdisk), qemu-img, extlinux.
# Idempotent: unchanged inputs keep the image; a second run only re-links.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache="$repo/.cache/sample"
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=$2; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "build-image.sh: unknown argument '$1' (expected --cache DIR)" >&2; exit 64 ;;
  esac
done
log() { echo "sample-image: $*" >&2; }
top="$cache/result"
[ -f "$top/boot.json" ] || { echo "sample-image: $top is missing: run sample/build-closure.sh first" >&2; exit 66; }
for t in mkfs.ext4 sfdisk qemu-img extlinux losetup; do
  command -v "$t" >/dev/null || { echo "sample-image: $t missing (apt-get install e2fsprogs fdisk qemu-utils extlinux mount)" >&2; exit 69; }
done
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || mbr=/usr/lib/EXTLINUX/mbr.bin
[ -f "$mbr" ] || { echo "sample-image: syslinux's mbr.bin missing (apt-get install syslinux-common)" >&2; exit 69; }

store="$cache/store"
# guest store path -> host path in the sample's stand-in store
host() { echo "$store/${1#/nix/store/}"; }
kernel=$(readlink "$top/kernel-modules")
bb=$(dirname "$(dirname "$(readlink "$top/sw/bin/busybox")")")
agent=$(dirname "$(dirname "$(readlink "$top/sw/bin/kboot-agent")")")
release=$(cat "$top/kernel-release")
nixhash() { sha256sum | cut -c1-32 | tr 'e' 'z'; }

key=$( { cat "$0"; echo "$kernel $bb $agent $release"; } | nixhash)
name="$key-kboot-sample-image"
out="$cache/images/$name"
if [ -f "$out/nixos.qcow2" ]; then
  ln -sfn "images/$name" "$cache/result-image"
  echo "$cache/result-image"
  exit 0
fi
mkdir -p "$cache/images"
work=$(mktemp -d "$cache/images/.build.XXXXXX")
mnt=""
cleanup() {
  if [ -n "$mnt" ] && mountpoint -q "$mnt"; then umount "$mnt" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
tree="$work/tree"
mkdir -p "$tree"/{nix/store,boot/extlinux,dev,proc,sys,run,tmp,etc,root,lib,bin,usr/bin}
chmod 1777 "$tree/tmp"
log "copying the closure's kernel, busybox and agent into the image's store"
for p in "$kernel" "$bb" "$agent"; do cp -a "$(host "$p")" "$tree$p"; done

# --- stage 1: the image initrd -----------------------------------------------------------------
initrd_name="$(echo "$key-initrd" | nixhash)-kboot-sample-image-initrd-$release"
initrd="/nix/store/$initrd_name"
mkdir -p "$tree$initrd"
root=$(mktemp -d "$work/initrd.XXXXXX")
mkdir -p "$root"/{bin,dev,proc,sys,sysroot,lib/modules}
cp "$(host "$bb")/bin/busybox" "$root/bin/busybox"
for a in sh mount mkdir insmod switch_root cat echo poweroff sleep findfs ls; do ln -s busybox "$root/bin/$a"; done
order=""
for m in virtio_pci virtio_blk crc32c_generic ext4; do
  for f in $(modprobe -d "$(host "$kernel")" -S "$release" --show-depends "$m" | awk '$1 == "insmod" {print $2}'); do
    n=$(basename "$f" .ko)
    case " $order " in *" $n "*) ;; *) order="$order $n"; cp "$f" "$root/lib/modules/$n.ko" ;; esac
  done
done
echo "$order" > "$root/lib/modules/order"
cat > "$root/init" <<'EOF'
#!/bin/sh
# kboot sample image stage 1: find the partition labelled nixos, mount it as root, switch_root into init=.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
  # crc32c-intel needs SSE 4.2, which TCG's CPU may lack: crc32c_generic stands in
  [ -d /sys/module/$m ] || insmod /lib/modules/$m.ko 2>/dev/null || case $m in crc32c*) ;; *) echo "kboot-sample-image-initrd: insmod $m failed" ;; esac
done
init=; root=
for w in $(cat /proc/cmdline); do
  case "$w" in init=*) init=${w#init=} ;; root=*) root=${w#root=} ;; esac
done
fail() { echo "kboot-sample-image-initrd: $*"; echo "kboot-sample-image-initrd: cannot continue"; poweroff -f; sleep 5; }
[ -n "$init" ] || fail "no init= on the kernel command line"
dev=; i=0
while [ -z "$dev" ] && [ $i -lt 100 ]; do
  case "$root" in LABEL=*) dev=$(findfs "$root" 2>/dev/null) ;; *) [ -b "$root" ] && dev=$root ;; esac
  [ -n "$dev" ] || sleep 0.1
  i=$((i + 1))
done
[ -n "$dev" ] || fail "no root device $root"
mount -t ext4 "$dev" /sysroot || fail "cannot mount $dev"
mount --move /proc /sysroot/proc
mount --move /sys /sysroot/sys
mount --move /dev /sysroot/dev
echo "kboot-sample-image-initrd: switching root to $init on $dev"
exec switch_root /sysroot "$init"
EOF
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$tree$initrd/initrd"

# --- stage 2: the image system -------------------------------------------------------------------
sys_name="$(echo "$key-system" | nixhash)-kboot-sample-image-system"
sys="/nix/store/$sys_name"
mkdir -p "$tree$sys/sw/bin" "$tree$sys/acpi/PWRF"
for f in "$(host "$bb")"/bin/*; do ln -s "$bb/bin/${f##*/}" "$tree$sys/sw/bin/${f##*/}"; done
ln -s "$agent/bin/kboot-agent" "$tree$sys/sw/bin/kboot-agent"
ln -s "$kernel" "$tree$sys/kernel-modules"
cat > "$tree$sys/udhcpc.script" <<EOF
#!$bb/bin/sh
# udhcpc's hook: configure the interface with the lease
case "\$1" in
  deconfig) ip addr flush dev "\$interface"; ip link set "\$interface" up ;;
  bound|renew)
    ip addr flush dev "\$interface"
    ip addr add "\$ip/\${mask:-24}" dev "\$interface"
    [ -n "\$router" ] && ip route replace default via "\${router%% *}" dev "\$interface"
    : > /etc/resolv.conf; for d in \$dns; do echo "nameserver \$d" >> /etc/resolv.conf; done
    echo "KBOOT-SAMPLE: \$interface has \$ip/\${mask:-24}" ;;
esac
EOF
cat > "$tree$sys/acpi/PWRF/00000080" <<EOF
#!$bb/bin/sh
# busybox acpid: the ACPI power button (virsh shutdown) powers the guest off
echo "KBOOT-SAMPLE: power button pressed, powering off"
sync; poweroff -f
EOF
cat > "$tree$sys/init" <<EOF
#!$bb/bin/sh
# kboot sample image stage 2
export PATH=/run/current-system/sw/bin
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs shm /dev/shm
ln -sfn /proc/self/fd /dev/fd; ln -sfn /proc/self/fd/0 /dev/stdin; ln -sfn /proc/self/fd/1 /dev/stdout; ln -sfn /proc/self/fd/2 /dev/stderr
ln -sfn $sys /run/current-system
ln -sfn $kernel/lib/modules /lib/modules
ln -sfn $bb/bin/sh /bin/sh
ln -sfn $bb/bin/env /usr/bin/env
echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd
echo "root:x:0:" > /etc/group
hostname kboot-sample-image
for m in virtio_net virtio_console virtio_rng virtiofs button evdev pvpanic-mmio; do modprobe \$m 2>/dev/null || echo "KBOOT-SAMPLE: modprobe \$m failed"; done
acpid -c $sys/acpi 2>/dev/null
ip link set lo up
# DHCP in the background (it renews the lease for as long as the guest runs)
ip link show eth0 >/dev/null 2>&1 && udhcpc -f -i eth0 -s $sys/udhcpc.script 2>/dev/null &
echo "KBOOT-SAMPLE: stage 2 reached on Linux \$(uname -r) (disk image)"
port=
for p in /sys/class/virtio-ports/*; do
  [ "\$(cat \$p/name 2>/dev/null)" = org.kboot.agent ] && port=/dev/\${p##*/}
done
if [ -z "\$port" ]; then
  echo "KBOOT-SAMPLE: no org.kboot.agent port"
  while :; do sleep 3600; done
fi
while :; do
  $agent/bin/kboot-agent "\$port"
  echo "KBOOT-SAMPLE: agent exited with status \$?, restarting it"
  sleep 1
done
EOF
chmod +x "$tree$sys/init" "$tree$sys/udhcpc.script" "$tree$sys/acpi/PWRF/00000080"
cat > "$tree/boot/extlinux/extlinux.conf" <<EOF
DEFAULT nixos
PROMPT 0
TIMEOUT 1
LABEL nixos
  MENU LABEL kboot sample (disk image) on Linux $release
  LINUX $kernel/bzImage
  INITRD $initrd/initrd
  APPEND root=LABEL=nixos console=ttyS0,115200 init=$sys/init loglevel=4 cryptomgr.notests
EOF

# --- the disk --------------------------------------------------------------------------------------
size_mib=2048
log "making the ext4 root (label nixos) and the MBR disk"
truncate -s "$((size_mib - 1))M" "$work/part.img"
# no 64bit feature: extlinux reads the filesystem itself
mkfs.ext4 -q -F -L nixos -O ^64bit -E root_owner=0:0 -d "$tree" "$work/part.img"
mnt="$work/mnt"
mkdir -p "$mnt"
mount -o loop "$work/part.img" "$mnt"
extlinux --install "$mnt/boot/extlinux" >/dev/null
umount "$mnt"
mnt=""
truncate -s "${size_mib}M" "$work/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/disk.raw"
dd if="$work/part.img" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$mbr" of="$work/disk.raw" bs=440 count=1 conv=notrunc status=none
mkdir -p "$work/out"
qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$work/out/nixos.qcow2"
chmod 0444 "$work/out/nixos.qcow2"
rm -rf "$out" && mv "$work/out" "$out"
for old in "$cache"/images/*-kboot-sample-image; do
  [ "$old" = "$out" ] || { rm -rf "$old"; log "removed old image ${old##*/}"; }
done
ln -sfn "images/$name" "$cache/result-image"
log "built $out/nixos.qcow2 ($(du -h "$out/nixos.qcow2" | cut -f1))"
echo "$cache/result-image"
