# NixOS module: the imageless guest kboot boots (docs/architecture.md; REFERENCE section 2).
# tmpfs root; /nix/store and /lib/modules over virtiofs (tags `store` and `modules`); an
# external kernel with VIRTIO_PCI, VIRTIO_FS and TMPFS built in; no boot loader.
{ config, lib, pkgs, ... }:
{
  imports = [ ./kboot-agent.nix ];

  boot.loader.grub.enable = false;
  boot.initrd.systemd.enable = true;
  boot.initrd.availableKernelModules = [ "virtio_pci" "virtiofs" ];

  fileSystems."/" = {
    device = "none";
    fsType = "tmpfs";
    options = [ "mode=0755" "size=50%" ];
  };
  fileSystems."/nix/store" = {
    device = "store";
    fsType = "virtiofs";
    options = [ "ro" ];
    neededForBoot = true;
  };
  fileSystems."/lib/modules" = {
    device = "modules";
    fsType = "virtiofs";
    options = [ "ro" "nofail" ];
  };

  services.kboot-agent.enable = lib.mkDefault true;
  # kboot reads the kernel console on ttyS0 and hvc0.
  systemd.services."serial-getty@ttyS0".enable = lib.mkDefault false;
}
