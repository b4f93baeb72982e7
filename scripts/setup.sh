#!/usr/bin/env bash
# Installs what kboot and its sample closure need on a Debian 12 machine, builds the sample
# closure and kboot. Idempotent: a second run only checks.
#   scripts/setup.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# Debian packages: QEMU 7.2 (with the legacy C virtiofsd), busybox, the tools the sample
# builder uses, a compiler for the static guest agent, Maven and a JDK; asciidoctor for the man
# pages, chromium for the test of the HTML report and zsh for the test of its completion; libvirt with dnsmasq (its default
# network's DHCP), extlinux, fdisk and e2fsprogs for the sample disk image, and ovmf (UEFI domains).
packages=(qemu-system-x86 qemu-utils busybox-static cpio kmod gcc libc6-dev make util-linux
          maven openjdk-17-jdk-headless libvirt0 libvirt-daemon-system libvirt-clients dnsmasq-base
          extlinux syslinux-common fdisk e2fsprogs nix-bin tmux asciidoctor chromium zsh ovmf)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install Debian packages: ${missing[*]}" >&2
    exit 69
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# The sample closure (downloads Debian's kernel once; see sample/build-closure.sh).
if [ -x sample/build-kselftests.sh ]; then
  sample/build-kselftests.sh
fi
sample/build-closure.sh >/dev/null
# The sample disk image for the libvirt backend (a loop mount: root only).
if [ "$(id -u)" -eq 0 ]; then
  sample/build-image.sh >/dev/null
else
  echo "setup: not root: the sample disk image (sample/build-image.sh) is not built; kboot's libvirt end-to-end tests need it" >&2
fi

# kboot itself, with its start-up archive trained on the sample.
scripts/build.sh

# Shell completion and man pages, made by the build (cli/target/completion, cli/target/man).
if [ "$(id -u)" -eq 0 ]; then
  install -D -m 644 cli/target/completion/kboot /usr/share/bash-completion/completions/kboot
  if [ -d cli/target/man/man1 ]; then
    install -d /usr/local/share/man/man1
    install -m 644 cli/target/man/man1/*.1 /usr/local/share/man/man1/
  fi
fi
