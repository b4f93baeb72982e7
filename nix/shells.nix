# The dev shells (`nix develop .#NAME`), each a set of groups of nix/lib/toolchain.nix, the list
# the build-tools and controller profiles install too:
#   build-kernel   make (gcc) or make LLVM=1 (clang) in a kernel tree
#   build-qemu     QEMU's configure/meson build
#   systemd        the host's systemd control tools (systemctl, journalctl, systemd-run)
#   default        kernel toolchain, QEMU/virtiofsd/libvirt tooling, and Maven with a JDK for kboot
{ pkgs }:
let
  toolchain = import ./lib/toolchain.nix;
  shell = name: extra:
    pkgs.mkShell ({
      name = "kboot-${name}";
      packages = toolchain.packages pkgs toolchain.consumers.shells.${name};
    } // extra);
in
{
  # Kernel builds choose their own compiler flags: Nix's hardening wrappers would change them.
  build-kernel = shell "build-kernel" { hardeningDisable = [ "all" ]; };
  build-qemu = shell "build-qemu" { };
  systemd = shell "systemd" { };
  default = shell "default" { hardeningDisable = [ "all" ]; };
}
