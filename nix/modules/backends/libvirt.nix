# NixOS module: the libvirt backend, a qcow2 disk image of this system for a libvirt domain
# (docs/nix.md; ../shared/REFERENCE.md section 2; seed 004).
#
#   the image: nixpkgs' make-disk-image, a legacy (MBR) partition table, one ext4 partition
#   labelled `nixos`, grub on /dev/vda, the system's own kernel; QEMU guest drivers
#   (nixpkgs' profiles/qemu-guest.nix); DHCP on every interface (libvirt's default network);
#   console=ttyS0; the kboot agent on its virtio-serial channel.
#
#   nix build .#checks.x86_64-linux.libvirt-image     # result/nixos.qcow2
#   kboot libvirt define result/nixos.qcow2 --name my-guest
{ config, lib, pkgs, modulesPath, ... }:
let
  cfg = config.kboot.libvirt;
  # nixpkgs' QEMU guest profile is plain configuration; it is applied only when this backend is
  # enabled, so that importing every kboot module changes nothing until one is enabled.
  qemuGuest = import (modulesPath + "/profiles/qemu-guest.nix") { inherit config lib pkgs modulesPath; };
in
{
  imports = [ ../kboot-agent.nix ];

  options.kboot.libvirt = {
    enable = lib.mkEnableOption "the libvirt backend: a qcow2 image of this system (MBR, ext4 root labelled nixos, grub on /dev/vda, DHCP)";

    diskSize = lib.mkOption {
      type = lib.types.either (lib.types.enum [ "auto" ]) lib.types.ints.positive;
      default = "auto";
      example = 20480;
      description = ''
        Size of the image's disk in MiB, or "auto": the closure plus additionalSpace. The root
        partition grows to the disk at boot, so a larger virtual disk (a kboot overlay volume)
        is used whole.
      '';
    };

    additionalSpace = lib.mkOption {
      type = lib.types.str;
      default = "1G";
      description = "Free space left on an auto-sized image.";
    };

    format = lib.mkOption {
      type = lib.types.enum [ "qcow2" "qcow2-compressed" "raw" ];
      default = "qcow2";
      description = "Image format (the file is result/nixos.qcow2, or nixos.img for raw).";
    };
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    (assert !(qemuGuest ? imports || qemuGuest ? options || qemuGuest ? config); qemuGuest)
    {
      assertions = [{
        assertion = !(config.kboot.imageless.enable or false);
        message = "kboot.libvirt and kboot.imageless are two backends: enable one per system.";
      }];

      boot.loader.grub = {
        enable = true;
        device = "/dev/vda";
        # grub's menu on the serial console too, where `kboot libvirt console` and the domain's
        # console log see it.
        extraConfig = ''
          serial --unit=0 --speed=115200
          terminal_input serial console
          terminal_output serial console
        '';
      };
      boot.loader.timeout = lib.mkDefault 1;
      boot.growPartition = true;
      boot.kernelParams = [ "console=tty0" "console=ttyS0,115200" ];

      fileSystems."/" = {
        device = "/dev/disk/by-label/nixos";
        fsType = "ext4";
        autoResize = true;
      };

      networking.useDHCP = lib.mkDefault true;

      services.kboot-agent.enable = lib.mkDefault true;
      # libvirt's own guest agent, for `virsh domifaddr --source agent` and clean shutdowns.
      services.qemuGuest.enable = lib.mkDefault true;

      system.build.qcow2 = import (modulesPath + "/../lib/make-disk-image.nix") {
        inherit lib config pkgs;
        name = "kboot-libvirt-image";
        format = cfg.format;
        partitionTableType = "legacy";
        fsType = "ext4";
        label = "nixos";
        inherit (cfg) diskSize additionalSpace;
        copyChannel = false;
      };
    }
  ]);
}
