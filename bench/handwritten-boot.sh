#!/usr/bin/env bash
# The reference for bench/boot-bench.sh: boots a bootspec closure the imageless way by hand, with
# the same virtiofsd and QEMU flags kboot uses (see `kboot run --dry-run`), as a kernel developer
# would script it. Console chardevs differ where a shell cannot serve a socket: ttyS0 is stdio,
# hvc0 a file, no QMP.
#
#   handwritten-boot.sh TOPLEVEL STORE_DIR MODULES_DIR KERNEL_ELF TSC_KHZ
set -euo pipefail
top=$1 store=$2 modules=$3 kernel=$4 tsc=$5
run=$(mktemp -d /tmp/handboot.XXXXXX)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$run"; }
trap cleanup EXIT
json=$(cat "$top/boot.json")
# The top-level bootspec comes first in boot.json; its specialisations follow.
field() { grep -o "\"$1\":\"[^\"]*\"" <<<"$json" | head -n1 | cut -d'"' -f4; }
init=$(field init)
initrd=$store/$(field initrd | sed 's|^/nix/store/||')
params=$(grep -o '"kernelParams":\[[^]]*\]' <<<"$json" | head -n1 | sed 's/.*\[//; s/\]//' | tr -d '"' | tr ',' ' ')
vfs() { # dir tag
  unshare --mount --propagation private -- /bin/sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"' "$1" \
    /usr/lib/qemu/virtiofsd --socket-path="$run/$2.sock" -o source="$1" -o cache=always -o sandbox=chroot >"$run/$2.log" 2>&1 &
}
vfs "$store" store
vfs "$modules" modules
while [ ! -S "$run/store.sock" ] || [ ! -S "$run/modules.sock" ]; do sleep 0.005; done
qemu-system-x86_64 -name kboot -nodefaults -no-user-config -no-reboot -display none \
  -machine microvm,pcie=on,rtc=on,memory-backend=mem -accel tcg -cpu max -smp 2 -m 1024M \
  -object memory-backend-memfd,id=mem,size=1024M,share=on \
  -kernel "$kernel" -initrd "$initrd" \
  -append "$params root=tmpfs console=ttyS0,115200 console=hvc0 init=$init panic=-1 tsc_early_khz=$tsc" \
  -chardev stdio,id=ttyS0 -serial chardev:ttyS0 \
  -device virtio-serial-pci,id=vser0 -chardev file,id=hvc0,path="$run/hvc0.log" -device virtconsole,bus=vser0.0,chardev=hvc0 \
  -chardev socket,id=fs0,path="$run/store.sock" -device vhost-user-fs-pci,chardev=fs0,tag=store \
  -chardev socket,id=fs1,path="$run/modules.sock" -device vhost-user-fs-pci,chardev=fs1,tag=modules \
  -device virtio-rng-pci
