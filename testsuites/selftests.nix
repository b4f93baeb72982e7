# NixOS module: the kernel's selftests (kselftest) where kboot's kselftest suite finds them
# (testsuites/kselftest.yaml), built from the source of the system's kernel.
#
#   kboot.testSuites.selftests = { enable = true; targets = [ "timers" "futex" "exec" ]; };
#   kboot test result/ --suite kselftest
#
# The installation is read-only in the store; kboot runs it from a copy on the guest's tmpfs.
# The suite descriptor /etc/kboot/suites/kselftest.json (nix/lib/suites.nix) tells kboot where.
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.testSuites.selftests;
  suites = import ../nix/lib/suites.nix;

  descriptor = suites.file {
    suite = "kselftest";
    dir = "${cfg.package}/lib/kselftest";
  };
in
{
  imports = [ ./common.nix ];

  options.kboot.testSuites.selftests = {
    enable = lib.mkEnableOption "the kernel's selftests (kselftest), installed where kboot's kselftest suite finds them";

    targets = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "timers" "futex" "exec" "mqueue" ];
      description = "The selftest collections to build (tools/testing/selftests TARGETS); empty: the kernel's default set.";
    };

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../nix/pkgs/kselftests.nix {
        inherit (config.boot.kernelPackages) kernel;
        inherit (cfg) targets;
      };
      defaultText = lib.literalExpression "pkgs.callPackage ./nix/pkgs/kselftests.nix { inherit (config.boot.kernelPackages) kernel; }";
      description = ''
        The selftests: a package with lib/kselftest/run_kselftest.sh. Build them from the source
        of the kernel you test (the external kernel's tree), or the system's kernel by default.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc."kboot/suites/kselftest.json".text = descriptor.text;

    # What run_kselftest.sh and the common collections' scripts call.
    environment.systemPackages = [
      cfg.package
      pkgs.bash pkgs.coreutils pkgs.gawk pkgs.gnugrep pkgs.gnused pkgs.kmod pkgs.util-linux pkgs.procps
      pkgs.iproute2 pkgs.ethtool pkgs.python3 pkgs.perl pkgs.which pkgs.findutils
    ];
  };
}
