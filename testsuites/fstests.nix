# NixOS module: fstests (xfstests) where kboot's fstests suite finds it (testsuites/fstests.yaml),
# with what it needs on NixOS (kdevops' fstests module; ../shared/REFERENCE.md section 6):
# the fsgqa users, /bin/bash and /usr/bin/awk, lvm's udev rules (dm tests hang without), XFS's
# bug_on_assert off, and its tools on PATH.
#
#   kboot.testSuites.fstests = {
#     enable = true;
#     sections.xfs = { FSTYP = "xfs"; TEST_DEV = "/dev/vdb"; TEST_DIR = "/mnt/test";
#                      SCRATCH_DEV = "/dev/vdc"; SCRATCH_MNT = "/mnt/scratch"; };
#   };
#   kboot test result/ --suite fstests:quick       (or a profile with args: [-s, xfs, -g, quick])
#
# fstests runs from, and writes into, its directory: `directory` is made at boot with the
# package's files linked in and local.config written from `sections`. The suite descriptor
# /etc/kboot/suites/fstests.json (nix/lib/suites.nix) tells kboot where and what.
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.testSuites.fstests;
  suites = import ../nix/lib/suites.nix;

  localConfig = pkgs.writeText "fstests-local.config" (suites.fstestsConfig cfg.sections);

  # Directories sections mount on (TEST_DIR, SCRATCH_MNT, ...), made at boot.
  mountDirs = lib.unique (lib.concatMap
    (s: lib.concatMap (k: lib.optional (builtins.match ".*_(DIR|MNT)" k != null && lib.hasPrefix "/" (toString s.${k})) (toString s.${k})) (builtins.attrNames s))
    (builtins.attrValues cfg.sections));

  descriptor = suites.file {
    suite = "fstests";
    dir = cfg.directory;
    config = if cfg.sections == { } then null else "${cfg.directory}/local.config";
    sections = builtins.attrNames cfg.sections;
    devices = suites.fstestsDevices cfg.sections;
    logs = [ "${cfg.directory}/results" ];
  };
in
{
  imports = [ ./common.nix ];

  options.kboot.testSuites.fstests = {
    enable = lib.mkEnableOption "fstests (xfstests), installed where kboot's fstests suite finds it";

    package = lib.mkPackageOption pkgs "xfstests" { };

    directory = lib.mkOption {
      type = lib.types.str;
      default = "/var/lib/xfstests";
      description = "The writable directory fstests runs from (made at boot: the package's files linked in, local.config).";
    };

    sections = lib.mkOption {
      type = lib.types.attrsOf (lib.types.attrsOf (lib.types.either lib.types.str lib.types.int));
      default = { };
      example = lib.literalExpression ''
        { xfs = { FSTYP = "xfs"; TEST_DEV = "/dev/vdb"; TEST_DIR = "/mnt/test"; SCRATCH_DEV = "/dev/vdc"; SCRATCH_MNT = "/mnt/scratch"; }; }
      '';
      description = ''
        fstests configuration sections (local.config), by name: `./check -s NAME`. The devices
        they name go into the suite descriptor, and kboot checks they exist before running.
        Values are written as they are; fstests reads the file with bash.
      '';
    };

    xfsBugOnAssert = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = ''
        /sys/fs/xfs/debug/bug_on_assert (XFS built with CONFIG_XFS_DEBUG): off makes a failed
        assertion a WARNING the test reports instead of a BUG that stops the machine.
      '';
    };

    extraPackages = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ ];
      description = "More tools on PATH for the tests (filesystem utilities of other filesystems).";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc."kboot/suites/fstests.json".text = descriptor.text;

    # fstests' tools, as nixpkgs' xfstests-check wrapper puts them on PATH, and btrfs's.
    environment.systemPackages = [
      cfg.package
      pkgs.acl pkgs.attr pkgs.bc pkgs.e2fsprogs pkgs.fio pkgs.gawk pkgs.keyutils pkgs.libcap pkgs.lvm2
      pkgs.perl pkgs.procps pkgs.killall pkgs.quota pkgs.util-linux pkgs.which pkgs.xfsprogs
      pkgs.btrfs-progs pkgs.python3
    ] ++ cfg.extraPackages;

    # The users fstests' tests switch to.
    users.groups.fsgqa = { };
    users.users.fsgqa = { isNormalUser = true; group = "fsgqa"; description = "fstests"; };
    users.users.fsgqa2 = { isNormalUser = true; group = "fsgqa"; description = "fstests"; };
    users.users."123456-fsgqa" = { isNormalUser = true; group = "fsgqa"; description = "fstests (a name starting with digits)"; };

    # Device-mapper tests wait for udev to create /dev/mapper nodes: lvm's udev rules.
    services.lvm.enable = true;

    system.activationScripts.kboot-fstests = suites.workdirScript {
      inherit (cfg) directory;
      files = "${cfg.package}/lib/xfstests";
      links = lib.optionalAttrs (cfg.sections != { }) { "local.config" = localConfig; };
    };

    systemd.tmpfiles.settings."10-kboot-fstests" =
      lib.genAttrs mountDirs (_: { d.mode = "0755"; })
      // { "/sys/fs/xfs/debug/bug_on_assert".w.argument = if cfg.xfsBugOnAssert then "1" else "0"; };
    # XFS as a module is loaded by the first mkfs or mount, after tmpfiles ran.
    services.udev.extraRules = ''
      ACTION=="add", SUBSYSTEM=="module", KERNEL=="xfs", RUN+="${pkgs.runtimeShell} -c 'echo ${if cfg.xfsBugOnAssert then "1" else "0"} > /sys/fs/xfs/debug/bug_on_assert 2>/dev/null || true'"
    '';
  };
}
