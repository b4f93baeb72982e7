# NixOS module: the imageless backend, a system closure that boots with no disk image
# (docs/nix.md; ../shared/REFERENCE.md section 2; seed 004).
#
#   tmpfs root; /nix/store over virtiofs tag `store` (read-only, mounted by the initrd);
#   /lib/modules over virtiofs tag `modules` (the booted kernel's modules); a systemd initrd;
#   no boot loader; kernel console on ttyS0 and hvc0; bootspec (boot.json) on; the kboot agent
#   bound to its virtio-serial port; a kernel panic ends the VM.
#
# kboot boots the result: `kboot run result/ --kernel bzImage`. The kernel may be external; it
# needs VIRTIO_PCI, VIRTIO_FS and TMPFS built in, everything else can be modules from /lib/modules.
#
# The same closure activates on a real machine (`result/bin/switch-to-configuration switch`);
# such a host supplies its own root filesystem and kernel and overrides fileSystems and boot.*.
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.imageless;
in
{
  imports = [ ../kboot-agent.nix ];

  options.kboot.imageless = {
    enable = lib.mkEnableOption "the imageless backend: a tmpfs root with /nix/store and /lib/modules shared over virtiofs, booted by kboot";

    storeTag = lib.mkOption {
      type = lib.types.str;
      default = "store";
      description = "virtiofs tag of the host's /nix/store (kboot shares it as `store`, read-only).";
    };

    modulesTag = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = "modules";
      description = ''
        virtiofs tag of the booted kernel's /lib/modules (kboot shares the kernel's as
        `modules`). null: no such share; modules come from the closure's own kernel.
      '';
    };

    rootSize = lib.mkOption {
      type = lib.types.str;
      default = "50%";
      example = "2G";
      description = "size= of the tmpfs root (a share of the guest's RAM, or bytes with a suffix).";
    };

    consoles = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "ttyS0,115200" "hvc0" ];
      description = ''
        Kernel consoles (console= words). kboot reads both: ttyS0 from the first moment of
        boot, hvc0 (virtio-console) once the driver is up. The last is /dev/console. kboot
        adds the same words to the command line; the kernel keeps each console once.
      '';
    };

    powerOffOnPanic = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Make a kernel panic end the VM: panic=-1 reboots at once, and kboot starts QEMU with
        -no-reboot, so QEMU exits and kboot reports the panic.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [{
      assertion = !(config.kboot.libvirt.enable or false);
      message = "kboot.imageless and kboot.libvirt are two backends: enable one per system.";
    }];

    boot.loader.grub.enable = false;
    boot.initrd.systemd.enable = true;
    boot.bootspec.enable = true;
    # Loaded only when the kernel has them as modules (the closure's own kernel); a kernel built
    # for kboot has them built in.
    boot.initrd.availableKernelModules = [ "virtio_pci" "virtio_console" "virtiofs" ];
    boot.initrd.kernelModules = [ "virtiofs" ];
    boot.kernelParams = map (c: "console=${c}") cfg.consoles ++ lib.optional cfg.powerOffOnPanic "panic=-1";
    boot.kernel.sysctl = lib.mkIf cfg.powerOffOnPanic { "kernel.panic" = -1; };

    fileSystems."/" = {
      device = "none";
      fsType = "tmpfs";
      options = [ "mode=0755" "size=${cfg.rootSize}" ];
    };
    fileSystems."/nix/store" = {
      device = cfg.storeTag;
      fsType = "virtiofs";
      options = [ "ro" ];
      neededForBoot = true;
    };
    fileSystems."/lib/modules" = lib.mkIf (cfg.modulesTag != null) {
      device = cfg.modulesTag;
      fsType = "virtiofs";
      options = [ "ro" "nofail" ];
      neededForBoot = true;
    };

    # kmod looks in the closure's /run/booted-system/kernel-modules before /lib/modules, and
    # udev and modules-load may be pointed there (MODULE_DIR). The booted kernel's modules are
    # the shared /lib/modules whichever kernel booted, so point them there.
    systemd.services.systemd-udevd.environment.MODULE_DIR = lib.mkIf (cfg.modulesTag != null) (lib.mkForce "/lib/modules");
    systemd.services.systemd-modules-load.environment.MODULE_DIR = lib.mkIf (cfg.modulesTag != null) (lib.mkForce "/lib/modules");

    services.kboot-agent.enable = lib.mkDefault true;

    # The consoles carry the kernel log kboot judges: no login prompt interleaved with it
    # (`kboot shell` opens a shell through the agent).
    systemd.services."serial-getty@ttyS0".enable = lib.mkDefault false;
    systemd.services."serial-getty@hvc0".enable = lib.mkDefault false;
  };
}
