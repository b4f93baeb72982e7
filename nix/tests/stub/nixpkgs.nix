# A stand-in for the nixpkgs flake input (see lib.nix): its lib, with a nixosSystem that
# evaluates the modules with the stub module system over nixos/base.nix, and its packages.
{ lib ? import ./lib.nix, pkgs ? import ./pkgs.nix { inherit lib; } }:
{
  lib = lib // {
    nixosSystem = { system ? "x86_64-linux", modules, specialArgs ? { }, ... }:
      lib.evalModules {
        modules = [ ./nixos/base.nix ] ++ modules;
        # NixOS's own options: everything at the top (boot, systemd, users, ...) and services.*.
        open = [ [ ] [ "services" ] ];
        specialArgs = { inherit pkgs; modulesPath = ./nixos/modules; } // specialArgs;
      };
  };
  legacyPackages.x86_64-linux = pkgs;
}
