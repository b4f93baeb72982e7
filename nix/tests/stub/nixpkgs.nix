# A stand-in for the nixpkgs flake input (see lib.nix): its lib, with a nixosSystem that
# evaluates the modules over nixos/base.nix (the part of NixOS kboot's modules read), and its
# packages (pkgs.nix).
#
# With the stub lib, undeclared options are accepted at the top and under services.* (NixOS's
# own) and rejected elsewhere. With nixpkgs' own lib (nix/tests/eval.nix --arg lib ...), the
# same is done by nixos/options.nix: a free-form top level and declarations of the services.*
# options kboot's modules set.
{ lib ? import ./lib.nix, pkgs ? import ./pkgs.nix { inherit lib; } }:
{
  lib = lib // {
    nixosSystem = { system ? "x86_64-linux", modules, specialArgs ? { }, ... }:
      lib.evalModules ({
        modules = [ ./nixos/base.nix ] ++ lib.optional (!(lib.isKbootStub or false)) ./nixos/options.nix ++ modules;
        specialArgs = { inherit pkgs; modulesPath = ./nixos/modules; } // specialArgs;
      } // lib.optionalAttrs (lib.isKbootStub or false) {
        open = [ [ ] [ "services" ] ];
      });
  };
  legacyPackages.x86_64-linux = pkgs;
}
