# NixOS profile: the kernel and QEMU build toolchain, the same packages `nix develop
# .#build-kernel` and `.#build-qemu` bring (nix/lib/toolchain.nix, groups kernel, llvm, qemu).
#
#   imports = [ kboot.nixosModules.profiles.build-tools ];  kboot.profiles.build-tools.enable = true;
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.profiles.build-tools;
  toolchain = import ../nix/lib/toolchain.nix;
in
{
  options.kboot.profiles.build-tools = {
    enable = lib.mkEnableOption "the build-tools profile: the kernel and QEMU toolchain of nix/lib/toolchain.nix";
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = toolchain.packages pkgs toolchain.consumers.profiles.build-tools;
    # Headers and pkg-config files of the toolchain's libraries, for builds outside `nix develop`.
    environment.extraOutputsToInstall = [ "dev" ];
  };
}
