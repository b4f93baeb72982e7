# The part of NixOS that kboot's modules read from (see ../lib.nix): defaults they rely on,
# system.build.toplevel (which fails like NixOS's when an assertion does), and the options kboot
# sets whose merging is not the free-form one (lines concatenate; booleans must agree anyway).
{ config, lib, pkgs, ... }:
{
  options.services = {
    udev.extraRules = lib.mkOption { type = lib.types.lines; default = ""; };
    qemuGuest.enable = lib.mkOption { type = lib.types.bool; default = false; };
    lvm.enable = lib.mkOption { type = lib.types.bool; default = true; };
    openssh.enable = lib.mkOption { type = lib.types.bool; default = false; };
  };

  config = {
    assertions = [ ];
    boot.kernelPackages = lib.mkOptionDefault pkgs.linuxPackages;
    networking.hostName = lib.mkOptionDefault "nixos";
    system.build.toplevel =
      let failed = builtins.filter (a: !a.assertion) config.assertions;
      in if failed != [ ] then throw "Failed assertions:\n- ${lib.concatMapStringsSep "\n- " (a: a.message) failed}"
      else pkgs.runCommand "nixos-system-${config.networking.hostName}" { } "";
  };
}
