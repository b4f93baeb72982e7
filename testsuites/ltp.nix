# NixOS module: the Linux Test Project with its runner kirk, where kboot's ltp suite finds them
# (testsuites/ltp.yaml).
#
#   kboot.testSuites.ltp.enable = true;
#   kboot test result/ --suite ltp:syscalls
#
# kirk finds LTP through LTPROOT, which the suite descriptor /etc/kboot/suites/ltp.json
# (nix/lib/suites.nix) gives kboot and the system's environment gives a login shell.
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.testSuites.ltp;
  suites = import ../nix/lib/suites.nix;

  descriptor = suites.file {
    suite = "ltp";
    dir = "${cfg.kirk}/bin";
    env = { LTPROOT = "${cfg.package}"; };
    # kirk's own results and logs when it runs outside kboot (kirk.$USER/latest under TMPDIR).
    logs = [ "/tmp/kirk.root" ];
  };
in
{
  imports = [ ./common.nix ];

  options.kboot.testSuites.ltp = {
    enable = lib.mkEnableOption "the Linux Test Project and kirk, installed where kboot's ltp suite finds them";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../nix/pkgs/ltp.nix { };
      defaultText = lib.literalExpression "kboot.packages.\${system}.ltp";
      description = "LTP, installed as under /opt/ltp (bin, testcases/bin, runtest).";
    };

    kirk = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../nix/pkgs/kirk.nix { };
      defaultText = lib.literalExpression "kboot.packages.\${system}.kirk";
      description = "kirk, LTP's test runner (bin/kirk).";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc."kboot/suites/ltp.json".text = descriptor.text;
    environment.systemPackages = [ cfg.kirk cfg.package pkgs.bash pkgs.coreutils pkgs.gawk pkgs.procps pkgs.util-linux pkgs.iproute2 ];
    environment.variables.LTPROOT = "${cfg.package}";
  };
}
