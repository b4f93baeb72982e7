# The part of NixOS that kboot's modules read from (see ../lib.nix): defaults they rely on and
# system.build.toplevel, which fails like NixOS's when an assertion does.
{ config, lib, pkgs, ... }:
{
  assertions = [ ];
  boot.kernelPackages = lib.mkOptionDefault pkgs.linuxPackages;
  networking.hostName = lib.mkOptionDefault "nixos";
  system.build.toplevel =
    let failed = builtins.filter (a: !a.assertion) config.assertions;
    in if failed != [ ] then throw "Failed assertions:\n- ${lib.concatMapStringsSep "\n- " (a: a.message) failed}"
    else pkgs.runCommand "nixos-system-${config.networking.hostName}" { } "";
}
