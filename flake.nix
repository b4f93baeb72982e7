{
  description = "kboot: imageless boot launcher and kernel test harness, and the NixOS modules for its guests and controller hosts";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [ "x86_64-linux" ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # A module that imports a file: module files are deduplicated by path, so importing
      # nixosModules.default and one of its parts twice is fine.
      module = path: { imports = [ path ]; };

      # The example systems the checks build: every module imported, one backend enabled.
      example = name: config: lib.nixosSystem {
        system = "x86_64-linux";
        modules = [
          self.nixosModules.default
          config
          {
            networking.hostName = "kboot-${name}";
            system.stateVersion = "24.11";
          }
        ];
      };
    in
    {
      # docs/nix.md describes each; all of them are off until enabled.
      nixosModules = {
        backends = {
          imageless = module ./nix/modules/backends/imageless.nix;
          libvirt = module ./nix/modules/backends/libvirt.nix;
        };
        mounts = {
          shares = module ./nix/modules/mounts/shares.nix;
          storage = module ./nix/modules/mounts/storage.nix;
        };
        user = module ./nix/modules/user.nix;
        kbootAgent = module ./nix/modules/kboot-agent.nix;
        profiles = {
          devel = module ./profiles/devel.nix;
          build-tools = module ./profiles/build-tools.nix;
          monitoring = module ./profiles/monitoring.nix;
          controller = module ./profiles/controller.nix;
        };
        testSuites = {
          fstests = module ./testsuites/fstests.nix;
          blktests = module ./testsuites/blktests.nix;
          selftests = module ./testsuites/selftests.nix;
          ltp = module ./testsuites/ltp.nix;
        };
        default = module ./nix/modules/default.nix;
      };

      nixosConfigurations = {
        imageless = example "imageless" { kboot.imageless.enable = true; };
        libvirt = example "libvirt" { kboot.libvirt.enable = true; };
      };

      # `nix flake check` builds both backends' system closures and the libvirt image;
      # `nix build .#checks.x86_64-linux.imageless` then `kboot run result/ --kernel bzImage`.
      checks = forAllSystems (pkgs: {
        imageless = self.nixosConfigurations.imageless.config.system.build.toplevel;
        libvirt = self.nixosConfigurations.libvirt.config.system.build.toplevel;
        libvirt-image = self.nixosConfigurations.libvirt.config.system.build.qcow2;
        kboot-agent = self.packages.${pkgs.system}.kboot-agent;
      });

      packages = forAllSystems (pkgs: {
        kboot = pkgs.callPackage ./nix/pkgs/kboot.nix { };
        kboot-agent = pkgs.callPackage ./nix/pkgs/kboot-agent.nix { };
        blktests = pkgs.callPackage ./nix/pkgs/blktests.nix { };
        kirk = pkgs.callPackage ./nix/pkgs/kirk.nix { };
        ltp = pkgs.callPackage ./nix/pkgs/ltp.nix { };
        default = self.packages.${pkgs.system}.kboot;
      });

      apps = forAllSystems (pkgs: {
        kboot = {
          type = "app";
          program = lib.getExe self.packages.${pkgs.system}.kboot;
        };
        default = self.apps.${pkgs.system}.kboot;
      });

      devShells = forAllSystems (pkgs: import ./nix/shells.nix { inherit pkgs; });

      overlays.default = final: _prev: {
        kboot = final.callPackage ./nix/pkgs/kboot.nix { };
        kboot-agent = final.callPackage ./nix/pkgs/kboot-agent.nix { };
      };

      templates = {
        imageless = {
          path = ./nix/templates/imageless;
          description = "An imageless NixOS guest for kboot run and kboot test";
          welcomeText = "Set inputs.kboot.url in flake.nix, then: nix build && kboot run result/ --kernel /path/to/bzImage";
        };
        libvirt = {
          path = ./nix/templates/libvirt;
          description = "A NixOS qcow2 guest for kboot libvirt define";
          welcomeText = "Set inputs.kboot.url in flake.nix, then: nix build && kboot libvirt define result/nixos.qcow2 --name guest";
        };
        default = self.templates.imageless;
      };
    };
}
