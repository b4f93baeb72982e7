# NixOS profile: a controller host, which builds kernels and runs and provisions the guests:
# the kernel and QEMU toolchain (nix/lib/toolchain.nix: kernel, llvm, qemu, systemd and guests),
# QEMU with KVM, virtiofsd, libvirtd with the QEMU/KVM stack, kboot, git and Ansible. Enable it
# on top of a backend on a real machine:
#
#   modules = [
#     kboot.nixosModules.backends.libvirt
#     kboot.nixosModules.profiles.controller
#     { kboot.profiles.controller.enable = true; }
#   ];
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.profiles.controller;
  toolchain = import ../nix/lib/toolchain.nix;
in
{
  imports = [ ../nix/modules/user.nix ];

  options.kboot.profiles.controller = {
    enable = lib.mkEnableOption "the controller profile: kernel toolchain, QEMU/KVM, virtiofsd, libvirtd, kboot, git and Ansible";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../nix/pkgs/kboot.nix { };
      defaultText = lib.literalExpression "kboot.packages.\${system}.kboot";
      description = "The kboot package (the flake's packages.kboot).";
    };

    libvirt = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Run libvirtd with QEMU/KVM and virtiofsd (for `kboot libvirt define` and `kboot test --libvirt`).";
    };
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    {
      environment.systemPackages = toolchain.packages pkgs toolchain.consumers.profiles.controller ++ [ cfg.package ];
      environment.extraOutputsToInstall = [ "dev" ];

      # Hardware virtualisation for kboot's QEMU, and the nix features image builds use
      # (make-disk-image runs a VM; `nix build .#checks...` needs flakes).
      boot.kernelModules = [ "kvm-intel" "kvm-amd" "vhost_vsock" ];
      nix.settings = {
        experimental-features = [ "nix-command" "flakes" ];
        system-features = [ "kvm" "nixos-test" "benchmark" "big-parallel" ];
      };

      # The developer's account (when kboot.user is enabled) may use KVM and libvirt.
      users.users = lib.mkIf config.kboot.user.enable {
        ${config.kboot.user.name}.extraGroups = [ "kvm" ] ++ lib.optional cfg.libvirt "libvirtd";
      };
    }
    (lib.mkIf cfg.libvirt {
      virtualisation.libvirtd = {
        enable = true;
        qemu = {
          package = pkgs.qemu_kvm;
          runAsRoot = true;
          # virtiofsd for <filesystem> devices with the virtiofs driver (imageless domains).
          vhostUserPackages = [ pkgs.virtiofsd ];
        };
      };
    })
  ]);
}
