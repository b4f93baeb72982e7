# NixOS module: host directories shared into the guest over virtiofs, mounted at boot.
#
#   kboot.mounts.shares.src = { mountPoint = "/src"; };                 # kboot run --share ~/linux:src
#   kboot.mounts.shares.results = { tag = "kboot-xfer"; mountPoint = "/run/kboot/xfer"; readOnly = false; };
#
# kboot attaches a share with `--share HOSTDIR:TAG[:rw]`; a libvirt domain with a <filesystem>
# whose <target dir=TAG/>. A share that is not attached leaves its mount point empty (nofail).
{ config, lib, ... }:
let
  cfg = config.kboot.mounts.shares;
  share = { name, ... }: {
    options = {
      tag = lib.mkOption {
        type = lib.types.str;
        default = name;
        description = "The virtiofs tag (kboot: `--share HOSTDIR:TAG`; libvirt: the filesystem's target dir).";
      };
      mountPoint = lib.mkOption {
        type = lib.types.str;
        example = "/src";
        description = "Where the share is mounted in the guest.";
      };
      readOnly = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Mount read-only (kboot shares read-only unless `:rw`).";
      };
      neededForBoot = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Mount it in the initrd, before the system starts (for what stage 2 itself needs).";
      };
      options = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        description = "More mount options.";
      };
    };
  };
in
{
  options.kboot.mounts.shares = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule share);
    default = { };
    example = lib.literalExpression ''{ src = { mountPoint = "/src"; }; }'';
    description = "virtiofs shares to mount, by name (the default tag).";
  };

  config = {
    fileSystems = lib.mapAttrs'
      (_: s: lib.nameValuePair s.mountPoint {
        device = s.tag;
        fsType = "virtiofs";
        options = lib.optional s.readOnly "ro" ++ [ "nofail" ] ++ s.options;
        inherit (s) neededForBoot;
      })
      cfg;
  };
}
