# NixOS module: block storage for tests: filesystems on the guest's disks, and file-backed loop
# devices at fixed names that suites' configurations (fstests' TEST_DEV, blktests' TEST_DEVS)
# can name.
#
#   kboot.mounts.storage.filesystems."/var/lib/data" = { device = "/dev/disk/by-id/virtio-data"; fsType = "xfs"; autoFormat = true; };
#   kboot.mounts.storage.loopDevices.test = { device = "/dev/loop16"; size = "8G"; };
#
# Disks come from QEMU (`kboot run --qemu-arg -drive --qemu-arg file=t.img,if=virtio,serial=test`
# names /dev/disk/by-id/virtio-test) or a libvirt domain's <disk>. Loop devices' backing files
# live in `loopDirectory`: on the imageless backend that is the tmpfs root, i.e. RAM, unless it
# is a writable share or a disk.
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.mounts.storage;

  filesystem = { name, ... }: {
    options = {
      mountPoint = lib.mkOption { type = lib.types.str; default = name; description = "Where it is mounted (default: the attribute name)."; };
      device = lib.mkOption { type = lib.types.str; example = "/dev/disk/by-id/virtio-data"; description = "The block device."; };
      fsType = lib.mkOption { type = lib.types.str; default = "ext4"; description = "The filesystem type."; };
      autoFormat = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Make the filesystem at boot when the device has none (systemd-makefs).";
      };
      options = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "nofail" ]; description = "Mount options."; };
    };
  };

  loop = { name, ... }: {
    options = {
      device = lib.mkOption {
        type = lib.types.strMatching "/dev/loop[0-9]+";
        example = "/dev/loop16";
        description = "The loop device to attach: a fixed name, so configurations can name it.";
      };
      size = lib.mkOption { type = lib.types.str; example = "8G"; description = "Size of the sparse backing file (truncate -s)."; };
      file = lib.mkOption {
        type = lib.types.str;
        default = "${cfg.loopDirectory}/${name}.img";
        defaultText = lib.literalExpression ''"''${loopDirectory}/<name>.img"'';
        description = "The backing file, created when missing.";
      };
    };
  };

  loopUnit = name: l: lib.nameValuePair "kboot-loop-${name}" {
    description = "kboot loop device ${l.device} (${l.file}, ${l.size})";
    wantedBy = [ "sysinit.target" ];
    before = [ "sysinit.target" ];
    after = [ "local-fs.target" ];
    unitConfig.DefaultDependencies = false;
    path = [ pkgs.util-linux pkgs.coreutils ];
    script = ''
      mkdir -p "$(dirname ${lib.escapeShellArg l.file})"
      [ -e ${lib.escapeShellArg l.file} ] || truncate -s ${lib.escapeShellArg l.size} ${lib.escapeShellArg l.file}
      losetup ${l.device} ${lib.escapeShellArg l.file}
    '';
    serviceConfig = {
      Type = "oneshot";
      RemainAfterExit = true;
      ExecStop = "${pkgs.util-linux}/bin/losetup -d ${l.device}";
    };
  };
in
{
  options.kboot.mounts.storage = {
    filesystems = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule filesystem);
      default = { };
      description = "Filesystems on block devices, by mount point.";
    };
    loopDevices = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule loop);
      default = { };
      description = "File-backed loop devices attached at boot, by name.";
    };
    loopDirectory = lib.mkOption {
      type = lib.types.str;
      default = "/var/lib/kboot/loop";
      description = "Where loop devices' backing files are made.";
    };
  };

  config = {
    fileSystems = lib.mapAttrs'
      (_: f: lib.nameValuePair f.mountPoint {
        inherit (f) device fsType autoFormat options;
      })
      cfg.filesystems;
    boot.kernelModules = lib.mkIf (cfg.loopDevices != { }) [ "loop" ];
    systemd.services = lib.mapAttrs' loopUnit cfg.loopDevices;
  };
}
