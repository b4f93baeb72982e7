#!/usr/bin/env bash
# Build the kboot sample closure: a NixOS-bootspec-shaped system closure made from real parts,
# because a real NixOS closure cannot be built on a machine without nixpkgs.
#
#   sample/build-closure.sh [--cache DIR]
#
# Parts (all real): Debian's linux-image-6.1 kernel and its modules, Debian's busybox-static,
# the kboot guest agent (agent/kboot-agent.c, compiled static) and, when built, kselftests from
# Debian's linux-source-6.1 (sample/build-kselftests.sh) with their suite descriptor
# (/etc/kboot/suites/kselftest.json, written with nix/lib/suites.nix as the NixOS modules do).
#
# Output, under one ignored directory (default: <repo>/.cache/sample):
#   downloads/                    the .deb files, kept between runs
#   store/<hash>-<name>/          a stand-in for /nix/store
#   result -> store/<hash>-kboot-sample-system   the toplevel, with boot.json (bootspec v1)
#
# The closure's initrd loads the virtio and virtiofs modules, mounts a tmpfs root, the `store`
# share at /nix/store and the `modules` share at /lib/modules, and switch_roots into init=.
# Stage 2 mounts the pseudo filesystems, prints the marker line
#   KBOOT-SAMPLE: stage 2 reached on Linux <release>
# and then either serves the kboot agent (when the org.kboot.agent port exists; an agent killed by
# a signal is started again, as the NixOS module's Restart= does) or powers off.
#
# Specialisations (org.nixos.specialisation.v1) for tests: `panic` (stage 2 panics the kernel),
# `hang` (stage 2 never powers off), `noagent` (stage 2 never starts the agent), `minimal` (the
# least an init does: print the release, serve the agent if attached, power off; bench/speed-bench.sh).
#
# Idempotent: an unchanged input gives the same store paths; a second run only re-links.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache="$repo/.cache/sample"
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "build-closure.sh: unknown argument '$1' (expected --cache DIR)" >&2; exit 64 ;;
  esac
done
mkdir -p "$cache/downloads" "$cache/store"
cache=$(cd "$cache" && pwd)
store="$cache/store"
log() { echo "sample: $*" >&2; }

# --- inputs -----------------------------------------------------------------------------
kernel_deb=$(ls "$cache"/downloads/linux-image-*-amd64_*_amd64.deb 2>/dev/null | grep -v -- -unsigned | sort | tail -n 1 || true)
if [ -z "$kernel_deb" ]; then
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || { echo "sample: cannot resolve linux-image-amd64 with apt-cache" >&2; exit 69; }
  log "downloading $pkg"
  (cd "$cache/downloads" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
  kernel_deb=$(ls "$cache"/downloads/"$pkg"_*_amd64.deb)
fi
busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list | grep -qx switch_root || { echo "sample: $busybox missing (apt-get install busybox-static)" >&2; exit 69; }

unpacked="$cache/unpacked/$(basename "$kernel_deb" .deb)"
if [ ! -d "$unpacked/boot" ]; then
  log "unpacking $(basename "$kernel_deb")"
  rm -rf "$unpacked.tmp" && mkdir -p "$unpacked.tmp"
  dpkg -x "$kernel_deb" "$unpacked.tmp"
  rm -rf "$unpacked" && mv "$unpacked.tmp" "$unpacked"
fi
release=$(ls "$unpacked/lib/modules")
vmlinuz="$unpacked/boot/vmlinuz-$release"

# Nix-like store path names: a hash of the inputs, printed in Nix's base-32 alphabet.
nixhash() { sha256sum | cut -c1-32 | tr 'e' 'z'; }
# add_path NAME BUILDER-FUNCTION KEY: create store/<hash(KEY)>-NAME once, atomically.
add_path() {
  local name=$1 fn=$2 key=$3 h
  h=$(printf '%s\n%s\n' "$name" "$key" | nixhash)
  local out="$store/$h-$name"
  if [ ! -e "$out" ]; then
    rm -rf "$out.tmp"
    mkdir -p "$out.tmp"
    "$fn" "$out.tmp" "/nix/store/$h-$name"
    mv "$out.tmp" "$out"
    log "built /nix/store/$h-$name"
  fi
  echo "/nix/store/$h-$name"
}
host() { echo "$store/${1#/nix/store/}"; }
filehash() { sha256sum "$@" | sha256sum | cut -c1-64; }

# --- busybox ------------------------------------------------------------------------------
build_busybox() {
  mkdir -p "$1/bin"
  cp "$busybox" "$1/bin/busybox"
  for a in $("$busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$1/bin/$a"; done
}
bb=$(add_path "busybox-static-$("$busybox" 2>&1 | head -n1 | awk '{print $2}')" build_busybox "$(filehash "$busybox")")

# --- kernel: bzImage and lib/modules/<release>, the layout of a NixOS kernel package -------
build_kernel() {
  cp "$vmlinuz" "$1/bzImage"
  cp "$unpacked/boot/config-$release" "$1/config"
  cp "$unpacked/boot/System.map-$release" "$1/System.map"
  mkdir -p "$1/lib/modules"
  cp -a "$unpacked/lib/modules/$release" "$1/lib/modules/"
  depmod -b "$1" "$release"
}
kernel=$(add_path "linux-$release" build_kernel "$(filehash "$vmlinuz")")
kmods="$(host "$kernel")/lib/modules/$release"

# --- the guest agent ----------------------------------------------------------------------
agent_src="$repo/agent/kboot-agent.c"
build_agent() {
  mkdir -p "$1/bin"
  gcc -static -Os -Wall -Wextra -Werror -o "$1/bin/kboot-agent" "$agent_src"
  strip "$1/bin/kboot-agent"
}
agent=""
if [ -f "$agent_src" ]; then
  command -v gcc >/dev/null || { echo "sample: gcc missing (apt-get install gcc libc6-dev)" >&2; exit 69; }
  agent=$(add_path "kboot-agent" build_agent "$(filehash "$agent_src")")
fi

# --- kselftests, when sample/build-kselftests.sh has produced them ------------------------
selftests=""
if [ -f "$cache/kselftest/install/run_kselftest.sh" ]; then
  build_selftests() { cp -a "$cache/kselftest/install" "$1/kselftest"; cp -a "$cache/kselftest/lib" "$1/lib"; cp -a "$cache/kselftest/bin" "$1/bin"; }
  selftests=$(add_path "kselftests-$release" build_selftests "$(cat "$cache/kselftest/stamp")")
fi

# --- suite descriptors: /etc/kboot/suites/SUITE.json, written by the Nix function kboot's NixOS
# modules use (nix/lib/suites.nix; schema in docs/nix.md), evaluated by Debian's nix-instantiate --
suites_nix="$repo/nix/lib/suites.nix"
descriptor() { # SUITE DIR
  nix-instantiate --store dummy:// --option build-users-group '' --eval --strict --json \
    --argstr suite "$1" --argstr dir "$2" -E "{ suite, dir }: (import $suites_nix).descriptor { inherit suite dir; }"
}
if [ -n "$selftests" ]; then
  command -v nix-instantiate >/dev/null || { echo "sample: nix-instantiate missing (apt-get install nix-bin)" >&2; exit 69; }
fi

# --- initrd (stage 1) ---------------------------------------------------------------------
stage1_modules="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console fuse virtiofs"
build_initrd() {
  local root; root=$(mktemp -d)
  mkdir -p "$root"/{bin,dev,proc,sys,sysroot,lib/modules}
  cp "$busybox" "$root/bin/busybox"
  for a in sh mount mkdir insmod switch_root cat echo poweroff sleep ls; do ln -s busybox "$root/bin/$a"; done
  # Load order from the kernel's own modules.dep (dependencies first, each module once).
  local order=""
  for m in $stage1_modules; do
    for f in $(modprobe -d "$(host "$kernel")" -S "$release" --show-depends "$m" | awk '$1 == "insmod" {print $2}'); do
      n=$(basename "$f" .ko)
      case " $order " in *" $n "*) ;; *) order="$order $n"; cp "$f" "$root/lib/modules/$n.ko" ;; esac
    done
  done
  echo "$order" > "$root/lib/modules/order"
  cat > "$root/init" <<EOF
#!/bin/sh
# kboot sample stage 1: the imageless contract (tmpfs root, store and modules over virtiofs).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in \$(cat /lib/modules/order); do
  [ -d /sys/module/\$m ] || insmod /lib/modules/\$m.ko || echo "kboot-sample-initrd: insmod \$m failed"
done
init=
for w in \$(cat /proc/cmdline); do case "\$w" in init=*) init=\${w#init=} ;; esac; done
fail() { echo "kboot-sample-initrd: \$*"; echo "kboot-sample-initrd: cannot continue"; poweroff -f; sleep 5; }
[ -n "\$init" ] || fail "no init= on the kernel command line"
mount -t tmpfs -o mode=0755,size=50% root /sysroot
mkdir -p /sysroot/nix/store /sysroot/lib/modules /sysroot/proc /sysroot/sys /sysroot/dev
mount -t virtiofs -o ro store /sysroot/nix/store || fail "cannot mount virtiofs tag 'store'"
mount -t virtiofs -o ro modules /sysroot/lib/modules 2>/dev/null || echo "kboot-sample-initrd: no 'modules' share; /lib/modules stays empty"
mount --move /proc /sysroot/proc
mount --move /sys /sysroot/sys
mount --move /dev /sysroot/dev
echo "kboot-sample-initrd: switching root to \$init"
exec switch_root /sysroot "\$init"
EOF
  chmod +x "$root/init"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$1/initrd"
  rm -rf "$root"
}
initrd_key="$(filehash "$busybox" "$0")-$(cd "$kmods" && find kernel -name 'virtio*.ko' -o -name 'fuse.ko' | LC_ALL=C sort | xargs sha256sum | sha256sum)"
initrd=$(add_path "kboot-sample-initrd-$release" build_initrd "$initrd_key")

# --- systems (stage 2) --------------------------------------------------------------------
# stage2 MODE: normal | panic | hang | noagent
write_init() {
  local out=$1 mode=$2
  if [ "$mode" = minimal ]; then
    # The least a closure's init does (issue 12's reference closure: print `uname -r`, power off),
    # plus serving the agent when kboot attached its port, so `kboot run -- CMD` works; what
    # bench/speed-bench.sh boots against bench/raw-boot.sh, whose init does the same work. The
    # release and the ports' names are read by the shell itself (`read`, not `$(uname -r)` or
    # `$(cat ...)`): each fork and exec costs the guest milliseconds under TCG.
    cat > "$out/init" <<EOF
#!$bb/bin/sh
# kboot sample stage 2 (minimal)
export PATH=/run/current-system/sw/bin
mkdir -p /run /bin && ln -s ${out_store} /run/current-system && ln -s $bb/bin/sh /bin/sh
read -r release < /proc/sys/kernel/osrelease
echo "KBOOT-SAMPLE: stage 2 reached on Linux \$release"
for p in /sys/class/virtio-ports/*; do
  n=; { read -r n < \$p/name; } 2>/dev/null
  [ "\$n" = org.kboot.agent ] && { $agent/bin/kboot-agent /dev/\${p##*/}; break; }
done
poweroff -f
EOF
    chmod +x "$out/init"
    return
  fi
  cat > "$out/init" <<EOF
#!$bb/bin/sh
# kboot sample stage 2 ($mode)
export PATH=/run/current-system/sw/bin
mkdir -p /run /tmp /bin /usr/bin /etc
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs shm /dev/shm
ln -sfn /proc/self/fd /dev/fd; ln -sfn /proc/self/fd/0 /dev/stdin; ln -sfn /proc/self/fd/1 /dev/stdout; ln -sfn /proc/self/fd/2 /dev/stderr
[ -d /sys/kernel/debug ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sfn ${out_store} /run/current-system
ln -sfn $bb/bin/sh /bin/sh
ln -sfn $bb/bin/env /usr/bin/env
echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd
echo "root:x:0:" > /etc/group
mkdir -p /root && hostname kboot-sample
EOF
  if [ -n "$selftests" ]; then
    # The kselftests are Debian binaries: give them the loader and library paths they expect.
    # Their suite descriptor is in the system's etc/, linked like NixOS links /etc/static.
    cat >> "$out/init" <<EOF
ln -sfn ${out_store}/etc/kboot /etc/kboot
ln -sfn $selftests/lib /lib64
ln -sfn $selftests/lib /lib/x86_64-linux-gnu
export PATH=\$PATH:$selftests/bin
# GNU timeout for run_kselftest.sh (busybox's lacks --foreground), a real /bin/true, kmod's modprobe
mkdir -p /sbin && ln -sfn $selftests/bin/timeout /usr/bin/timeout && ln -sfn $selftests/bin/true /bin/true && ln -sfn $selftests/bin/modprobe /sbin/modprobe
EOF
  fi
  cat >> "$out/init" <<EOF
echo "KBOOT-SAMPLE: stage 2 reached on Linux \$(uname -r)"
EOF
  case "$mode" in
    panic) echo 'echo "KBOOT-SAMPLE: panicking on purpose"; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger' >> "$out/init" ;;
    hang) echo 'echo "KBOOT-SAMPLE: never powering off"; while :; do sleep 3600; done' >> "$out/init" ;;
  esac
  if [ "$mode" = normal ] && [ -n "$agent" ]; then
    cat >> "$out/init" <<EOF
for p in /sys/class/virtio-ports/*; do
  n=; { read -r n < \$p/name; } 2>/dev/null
  if [ "\$n" = org.kboot.agent ]; then
    # Like the NixOS module's Restart=: an agent killed by a signal is started again.
    while :; do
      $agent/bin/kboot-agent /dev/\${p##*/}
      s=\$?
      echo "KBOOT-SAMPLE: agent exited with status \$s"
      [ \$s -ge 128 ] || break
      sleep 1
    done
    break
  fi
done
EOF
  fi
  echo 'sync; poweroff -f' >> "$out/init"
  chmod +x "$out/init"
}
build_system() {
  local out=$1; out_store=$2
  local mode=${SYSTEM_MODE}
  write_init "$out" "$mode"
  mkdir -p "$out/sw/bin"
  for f in "$(host "$bb")"/bin/*; do ln -s "$bb/bin/${f##*/}" "$out/sw/bin/${f##*/}"; done
  [ -n "$agent" ] && ln -s "$agent/bin/kboot-agent" "$out/sw/bin/kboot-agent"
  if [ -n "$selftests" ]; then
    ln -s "$selftests" "$out/kselftests"
    mkdir -p "$out/etc/kboot/suites"
    descriptor kselftest "$selftests/kselftest" > "$out/etc/kboot/suites/kselftest.json"
  fi
  ln -s "$kernel" "$out/kernel-modules"
  ln -s "$kernel/bzImage" "$out/kernel"
  ln -s "$initrd/initrd" "$out/initrd"
  echo "loglevel=4 cryptomgr.notests" > "$out/kernel-params"
  echo -n "$release" > "$out/kernel-release"
  echo "$mode" > "$out/mode"
  bootspec "$out_store" "$mode" > "$out/boot.json.part"
}
bootspec() {
  local top=$1 mode=$2 label="kboot sample ($mode) on Linux $release"
  [ "$mode" = normal ] && label="kboot sample on Linux $release"
  cat <<EOF
{"init":"$top/init","initrd":"$initrd/initrd","kernel":"$kernel/bzImage","kernelParams":["loglevel=4","cryptomgr.notests"],"label":"$label","system":"x86_64-linux","toplevel":"$top"}
EOF
}
key="$(filehash "$0" "$suites_nix")-$bb-$kernel-$initrd-$agent-$selftests"
specs=""
for mode in panic hang noagent minimal; do
  p=$(SYSTEM_MODE=$mode add_path "kboot-sample-system-$mode" build_system "$key")
  hp=$(host "$p")
  [ -f "$hp/boot.json" ] || printf '{"org.nixos.bootspec.v1":%s,"org.nixos.specialisation.v1":{}}\n' "$(cat "$hp/boot.json.part")" > "$hp/boot.json"
  specs="$specs${specs:+,}\"$mode\":{\"org.nixos.bootspec.v1\":$(cat "$hp/boot.json.part")}"
  mkdir -p "$cache/specialisation" && ln -sfn "$hp" "$cache/specialisation/$mode"
done
build_main() {
  build_system "$@"
  mkdir -p "$1/specialisation"
  for mode in panic hang noagent minimal; do ln -s "$(readlink "$cache/specialisation/$mode" | sed "s|^$store|/nix/store|")" "$1/specialisation/$mode"; done
  printf '{"org.nixos.bootspec.v1":%s,"org.nixos.specialisation.v1":{%s},"dev.kboot.sample.v1":{"kernelRelease":"%s","kselftests":%s}}\n' \
    "$(cat "$1/boot.json.part")" "$specs" "$release" "$([ -n "$selftests" ] && echo "\"$selftests\"" || echo null)" > "$1/boot.json"
}
top=$(SYSTEM_MODE=normal add_path "kboot-sample-system" build_main "$key-$specs")

# --- drop store paths no current closure refers to (older builds of this script's inputs) ---
keep=$(for t in "$(host "$top")" "$cache"/specialisation/*; do
         t=$(readlink -f "$t")
         echo "/nix/store/${t##*/}"
         find "$t" -maxdepth 1 -type l -printf '%l\n'
         cat "$t/boot.json" "$t/init"
       done | grep -o '/nix/store/[0-9a-z]\{32\}-[^/" ]*' | sed 's|^/nix/store/||' | sort -u)
for p in "$store"/*; do
  n=${p##*/}
  case "$n" in *.tmp) continue ;; esac
  grep -qxF "$n" <<<"$keep" || { rm -rf "$p"; log "removed unreferenced $n"; }
done
ln -sfn "$(host "$top")" "$cache/result"
echo "$cache/result"
