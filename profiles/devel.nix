# NixOS profile: kernel debugging in the guest: tracers, debuggers and the sysctls that let them
# see the kernel.
#
#   imports = [ kboot.nixosModules.profiles.devel ];  kboot.profiles.devel.enable = true;
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.profiles.devel;
in
{
  options.kboot.profiles.devel = {
    enable = lib.mkEnableOption "the devel profile: gdb, strace, perf, trace-cmd, bpftrace and a kernel that lets them look";
    extraPackages = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ ];
      description = "More packages for the guest.";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [
      pkgs.gdb
      pkgs.strace
      pkgs.ltrace
      config.boot.kernelPackages.perf
      pkgs.trace-cmd
      pkgs.bpftrace
      pkgs.kmod
      pkgs.pciutils
      pkgs.iproute2
      pkgs.ethtool
      pkgs.lsof
      pkgs.file
      pkgs.less
      pkgs.vim
      pkgs.tmux
      pkgs.jq
    ] ++ cfg.extraPackages;

    boot.kernel.sysctl = {
      "kernel.sysrq" = 1;
      "kernel.dmesg_restrict" = 0;
      "kernel.kptr_restrict" = 0;
      "kernel.perf_event_paranoid" = -1;
    };
  };
}
