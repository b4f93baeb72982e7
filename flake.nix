{
  description = "kboot: imageless boot launcher and kernel test harness (NixOS modules and the guest agent)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAll (pkgs: {
        kboot-agent = pkgs.callPackage ./nix/pkgs/kboot-agent.nix { };
        default = self.packages.${pkgs.system}.kboot-agent;
      });

      nixosModules = {
        kboot-agent = ./nix/modules/kboot-agent.nix;
        imageless = ./nix/modules/imageless.nix;
      };

      # An imageless guest closure: `nix build .#checks.x86_64-linux.imageless`, then
      # `kboot run result/ --kernel bzImage`.
      checks = forAll (pkgs: {
        imageless = (nixpkgs.lib.nixosSystem {
          system = pkgs.system;
          modules = [
            self.nixosModules.imageless
            { system.stateVersion = "24.11"; }
          ];
        }).config.system.build.toplevel;
      });
    };
}
