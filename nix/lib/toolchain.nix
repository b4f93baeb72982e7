# The one toolchain list: what building a kernel, building QEMU and driving guests take. The dev
# shells (flake.nix devShells: build-kernel, build-qemu, systemd, default), the build-tools
# profile and the controller profile all take their packages from here.
#
# Packages are named by their nixpkgs attribute path ("llvmPackages.clang"), so the lists can be
# checked without nixpkgs (CI evaluates this file with a bare `nix-instantiate --eval`), and
# `packages pkgs [ "kernel" ... ]` turns groups into packages. Pure: no nixpkgs, no lib.
let
  groups = {
    # make, the compilers and what the kernel's build runs or links: Documentation/process/changes.rst
    # (gcc, make, binutils, flex, bison, bc, perl, openssl/libelf for module signing and objtool,
    # pahole for BTF, cpio and kmod for modules_install and initramfs, python3 for scripts).
    kernel = [
      "gnumake" "gcc" "binutils" "flex" "bison" "bc" "perl" "python3" "openssl" "elfutils" "pahole"
      "cpio" "kmod" "zstd" "lz4" "xz" "gzip" "rsync" "pkg-config" "ncurses" "util-linux" "gnused"
      "gawk" "findutils" "diffutils" "coreutils" "which" "hostname" "git"
    ];
    # `make LLVM=1`: clang, lld and the llvm-* binutils.
    llvm = [ "llvmPackages.clang" "llvmPackages.lld" "llvmPackages.llvm" ];
    # QEMU's build: meson, ninja and its required libraries (docs/devel/build-system.rst).
    qemu = [
      "meson" "ninja" "pkg-config" "python3" "glib" "pixman" "zlib" "dtc" "libslirp" "libcap_ng"
      "libseccomp" "libaio" "liburing" "numactl" "gnutls" "bzip2" "curl" "flex" "bison"
    ];
    # Controlling systemd on the host: systemctl, journalctl, systemd-run, busctl.
    systemd = [ "systemd" "dbus" ];
    # Running and provisioning guests: QEMU, virtiofsd, libvirt's clients, images, Ansible.
    guests = [ "qemu_kvm" "virtiofsd" "libvirt" "qemu-utils" "cdrkit" "ansible" "openssh" "jq" "git" ];
    # Building kboot itself (scripts/build.sh): Maven and a JDK 17.
    java = [ "maven" "jdk17_headless" ];
  };

  # Which groups each consumer takes.
  consumers = {
    shells = {
      build-kernel = [ "kernel" "llvm" ];
      build-qemu = [ "qemu" ];
      systemd = [ "systemd" ];
      default = [ "kernel" "llvm" "guests" "java" ];
    };
    profiles = {
      build-tools = [ "kernel" "llvm" "qemu" ];
      controller = [ "kernel" "llvm" "qemu" "systemd" "guests" ];
    };
  };

  inherit (builtins) concatMap elem filter foldl' getAttr split isString;

  uniq = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];

  # The attribute names of `wanted` groups, each once, in order.
  names = wanted: uniq (concatMap (g: getAttr g groups) wanted);

  attrPath = name: filter isString (split "\\." name);
in
{
  inherit groups consumers names;

  # packages pkgs [ "kernel" "llvm" ] -> the packages, from that nixpkgs.
  packages = pkgs: wanted: map (n: foldl' (set: a: getAttr a set) pkgs (attrPath n)) (names wanted);
}
