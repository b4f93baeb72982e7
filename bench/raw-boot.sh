#!/usr/bin/env bash
# raw-boot.sh: kboot's physical-limit reference. A hand-tuned shell script that does the work of
# `kboot run` with nothing in between: one virtiofsd sharing a small directory as tag `store`, and
# QEMU (TCG) booting the kernel straight into a busybox initramfs whose init loads the virtio and
# virtiofs modules, mounts the share, reads a file from it, prints `uname -r` on the serial
# console and powers off. Every choice is the fastest measured here: microvm with virtio-mmio,
# the kernel's uncompressed ELF through QEMU's PVH entry, 256 MiB, QEMU's default CPU model,
# `quiet loglevel=0 cryptomgr.notests`. bench/speed-bench.sh times kboot against it.
#
#   bench/raw-boot.sh            prints the guest's kernel release; exit 0 only when the release
#                                came back and the share was mounted and read
#
# The kernel is an unpacked Debian linux-image package (boot/vmlinuz-REL, lib/modules/REL), by
# default the one sample/build-closure.sh unpacked under .cache/sample/unpacked. The initramfs and
# the ELF are built once and cached under .cache/bench/raw (keyed by the inputs).
#
# Knobs (environment), for measuring what one difference costs; the defaults are the reference:
#   RAW_KPKG     the unpacked kernel package directory
#   RAW_BUS      mmio | pci      mmio: microvm's virtio-mmio; pci: microvm,pcie=on with
#                                vhost-user-fs-pci (what kboot boots)                  (mmio)
#   RAW_CPU      QEMU -cpu model; empty: QEMU's default (qemu64)                         ()
#   RAW_MEM      guest RAM, MiB                                                          (256)
#   RAW_SMP      vCPUs                                                                   (2)
#   RAW_APPEND   extra kernel parameters
#   RAW_CRYPTO_TESTS=1   leave the crypto self-tests on (no cryptomgr.notests)
#   RAW_VERBOSE=1        the kernel's default log level instead of `quiet loglevel=0`
#   RAW_QEMU_ARGS        extra QEMU arguments (word-split)
#   RAW_SHOW=1           print the virtiofsd and QEMU command lines on stderr
#   RAW_TIMEOUT          seconds before QEMU is killed                                   (120)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
pkg=${RAW_KPKG:-$(ls -d "$repo"/.cache/sample/unpacked/linux-image-*/ 2>/dev/null | sort | tail -n 1)}
pkg=${pkg%/}
bus=${RAW_BUS:-mmio}
mem=${RAW_MEM:-256}
smp=${RAW_SMP:-2}
qemu=${RAW_QEMU:-qemu-system-x86_64}
busybox=/bin/busybox
fail() { echo "raw-boot: $*" >&2; exit 1; }

[ -n "$pkg" ] && [ -d "$pkg/boot" ] || fail "no kernel package (run sample/build-closure.sh, or set RAW_KPKG to an unpacked linux-image .deb)"
release=$(ls "$pkg/lib/modules" | head -n 1)
vmlinuz=$pkg/boot/vmlinuz-$release
mods=$pkg/lib/modules/$release/kernel
[ -f "$vmlinuz" ] || fail "no $vmlinuz"
[ -x "$busybox" ] || fail "no static busybox at $busybox (apt-get install busybox-static)"
virtiofsd=${RAW_VIRTIOFSD:-$(command -v virtiofsd || ls /usr/libexec/virtiofsd /usr/lib/qemu/virtiofsd 2>/dev/null | head -n 1)}
[ -x "$virtiofsd" ] || fail "no virtiofsd"

# --- cached inputs: the initramfs, the shared directory, the ELF ----------------------------
key=$(printf '%s\n' 2 "$(stat -Lc '%s %Y' "$vmlinuz" "$busybox" "$0")" | sha256sum | cut -c1-16)
cache=$repo/.cache/bench/raw/$key
build() {
  local t root m
  mkdir -p "$repo/.cache/bench/raw"
  t=$(mktemp -d "$repo/.cache/bench/raw/.new.XXXXXX")
  root=$t/root
  mkdir -p "$root"/bin "$root"/dev "$root"/proc "$root"/share "$root"/lib
  cp "$busybox" "$root/bin/busybox"
  # virtio_mmio for the mmio bus, the virtio_pci trio for pci; loaded by init in this order.
  for m in virtio/virtio_ring virtio/virtio virtio/virtio_mmio virtio/virtio_pci_legacy_dev \
           virtio/virtio_pci_modern_dev virtio/virtio_pci; do
    cp "$mods/drivers/$m.ko" "$root/lib/" || fail "no module $m.ko in $mods"
  done
  cp "$mods/fs/fuse/fuse.ko" "$mods/fs/fuse/virtiofs.ko" "$root/lib/" || fail "no fuse/virtiofs modules in $mods"
  cat > "$root/init" <<'EOF'
#!/bin/busybox sh
# $bus comes from the kernel command line (raw.bus=... is not a kernel parameter, so init gets it)
b=/bin/busybox
$b mount -t proc p /proc
$b mount -t devtmpfs d /dev
case "$bus" in
  pci) set -- virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci ;;
  *) set -- virtio_ring virtio virtio_mmio ;;
esac
for m in "$@" fuse virtiofs; do $b insmod /lib/$m.ko || echo "raw: insmod $m failed"; done
$b mount -t virtiofs store /share && echo "raw: share says $($b cat /share/marker)"
echo "raw: release $($b uname -r)"
$b poweroff -f
EOF
  chmod 755 "$root/init"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$t/initramfs.gz"
  mkdir "$t/share" && echo shared-ok > "$t/share/marker"
  rm -rf "$root"
  # The ELF inside the bzImage: the first compressed stream (xz, gzip, zstd, lz4) that
  # decompresses to something starting with \177ELF.
  local magic tool at
  for magic_tool in 'fd377a585a00:xz -dc' '1f8b08:gzip -dc' '28b52ffd:zstd -dcq' '02214c18:lz4 -dcq'; do
    magic=${magic_tool%%:*} tool=${magic_tool#*:}
    for at in $(od -An -v -tx1 "$vmlinuz" | tr -d ' \n' | grep -ob "$magic" | cut -d: -f1 | head -n 8); do
      [ $((at % 2)) -eq 0 ] || continue
      tail -c +$((at / 2 + 1)) "$vmlinuz" | $tool > "$t/vmlinux" 2>/dev/null
      [ "$(head -c 4 "$t/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && break 2
    done
  done
  [ "$(head -c 4 "$t/vmlinux" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || { rm -rf "$t"; fail "no ELF found in $vmlinuz"; }
  mv -T "$t" "$cache" 2>/dev/null || rm -rf "$t"   # another run may have won the race
}
[ -f "$cache/vmlinux" ] || build

# --- one boot ------------------------------------------------------------------------------
run=$(mktemp -d /tmp/raw-boot.XXXXXX)
fsd='' vm=''
finish() {
  [ -n "$vm" ] && kill "$vm" 2>/dev/null
  [ -n "$fsd" ] && kill "$fsd" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$run"
}
trap finish EXIT
trap 'exit 130' INT TERM

fsargv=("$virtiofsd" --socket-path="$run/fs.sock")
if "$virtiofsd" --help 2>&1 | grep -q -- '--shared-dir'; then
  fsargv+=(--shared-dir="$cache/share" --cache=always --sandbox=none)
else
  fsargv+=(-o source="$cache/share" -o cache=always -o sandbox=chroot)
fi
"${fsargv[@]}" >"$run/virtiofsd.log" 2>&1 &
fsd=$!
for _ in $(seq 1000); do [ -S "$run/fs.sock" ] && break; sleep 0.005; done
[ -S "$run/fs.sock" ] || { cat "$run/virtiofsd.log" >&2; fail "virtiofsd made no socket"; }

append="console=ttyS0 panic=-1 bus=$bus"
[ "${RAW_CRYPTO_TESTS:-0}" = 1 ] || append+=" cryptomgr.notests"
[ "${RAW_VERBOSE:-0}" = 1 ] || append+=" quiet loglevel=0"
# microvm has no PIT or HPET for the guest to calibrate the TSC against under TCG: give its rate.
khz=$(cat /sys/devices/system/cpu/cpu0/tsc_freq_khz 2>/dev/null || awk -F: '/^cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
append+=" tsc_early_khz=$khz ${RAW_APPEND:-}"
qargv=("$qemu" -nodefaults -no-user-config -no-reboot -display none -accel tcg -smp "$smp" -m "${mem}M"
       -object "memory-backend-memfd,id=mem,size=${mem}M,share=on"
       -serial "file:$run/console" -chardev "socket,id=fs,path=$run/fs.sock")
if [ "$bus" = pci ]; then
  qargv+=(-machine microvm,pcie=on,rtc=on,memory-backend=mem -device vhost-user-fs-pci,chardev=fs,tag=store)
else
  qargv+=(-machine microvm,memory-backend=mem -global virtio-mmio.force-legacy=false -device vhost-user-fs-device,chardev=fs,tag=store)
fi
[ -n "${RAW_CPU:-}" ] && qargv+=(-cpu "$RAW_CPU")
# shellcheck disable=SC2206
qargv+=(-kernel "$cache/vmlinux" -initrd "$cache/initramfs.gz" -append "$append" ${RAW_QEMU_ARGS:-})
[ "${RAW_SHOW:-0}" = 1 ] && printf '+ %s\n' "${fsargv[*]}" "${qargv[*]}" >&2
timeout -k 2 "${RAW_TIMEOUT:-120}" "${qargv[@]}" >"$run/qemu.log" 2>&1 &
vm=$!
wait "$vm"; status=$?; vm=''

got=$(tr -d '\r' < "$run/console" | sed -n 's/^raw: release //p' | head -n 1)
if [ "$got" = "$release" ] && grep -q '^raw: share says shared-ok' "$run/console"; then
  echo "$got"
  exit 0
fi
{ echo "raw-boot: failed (qemu status $status, release '$got')"; tail -n 20 "$run/qemu.log" "$run/console" "$run/virtiofsd.log"; } >&2
exit 1
