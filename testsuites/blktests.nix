# NixOS module: blktests where kboot's blktests suite finds it (testsuites/blktests.yaml), with
# the tools its tests call on PATH.
#
#   kboot.testSuites.blktests = { enable = true; devices = [ "/dev/vdb" ]; };
#   kboot test result/ --suite blktests
#
# blktests runs from, and writes into, its directory: `directory` is made at boot with the
# package's files linked in and `config` (TEST_DEVS) written. The suite descriptor
# /etc/kboot/suites/blktests.json (nix/lib/suites.nix) tells kboot where and what.
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.testSuites.blktests;
  suites = import ../nix/lib/suites.nix;

  configFile = pkgs.writeText "blktests-config" (suites.blktestsConfig { inherit (cfg) devices extraConfig; });

  descriptor = suites.file {
    suite = "blktests";
    dir = cfg.directory;
    config = "${cfg.directory}/config";
    inherit (cfg) devices;
    logs = [ "${cfg.directory}/results" ];
  };
in
{
  imports = [ ./common.nix ];

  options.kboot.testSuites.blktests = {
    enable = lib.mkEnableOption "blktests, installed where kboot's blktests suite finds it";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../nix/pkgs/blktests.nix { };
      defaultText = lib.literalExpression "kboot.packages.\${system}.blktests";
      description = "The blktests package (its files under share/blktests).";
    };

    directory = lib.mkOption {
      type = lib.types.str;
      default = "/var/lib/blktests";
      description = "The writable directory blktests runs from (made at boot: the package's files linked in, config).";
    };

    devices = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "/dev/vdb" ];
      description = "TEST_DEVS: the block devices the device tests run on (they are overwritten). Empty: only the tests that make their own devices (null_blk, scsi_debug, loop).";
    };

    extraConfig = lib.mkOption {
      type = lib.types.lines;
      default = "";
      example = "EXCLUDE=(block/011)";
      description = "More lines for blktests' config (bash).";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc."kboot/suites/blktests.json".text = descriptor.text;

    # What blktests' tests call (its README's dependency list) and the device tools they exercise.
    environment.systemPackages = [
      cfg.package
      pkgs.bash pkgs.coreutils pkgs.fio pkgs.gawk pkgs.gnugrep pkgs.gnused pkgs.gzip pkgs.kmod
      pkgs.util-linux pkgs.bc pkgs.e2fsprogs pkgs.xfsprogs pkgs.btrfs-progs pkgs.lvm2 pkgs.nvme-cli
      pkgs.sg3_utils pkgs.iproute2 pkgs.procps pkgs.python3 pkgs.systemd
    ];

    services.lvm.enable = true;

    system.activationScripts.kboot-blktests = suites.workdirScript {
      inherit (cfg) directory;
      files = "${cfg.package}/share/blktests";
      links = { config = configFile; };
    };
  };
}
