{
  description = "An imageless NixOS guest, booted by kboot";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
    # Where you have kboot: a git URL, or path:/path/to/kboot for a checkout.
    kboot.url = "github:OWNER/kboot";
    kboot.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { self, nixpkgs, kboot }: {
    nixosConfigurations.guest = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        kboot.nixosModules.default
        {
          kboot.imageless.enable = true;

          # Test suites kboot test finds (/etc/kboot/suites), for example:
          # kboot.testSuites.selftests = { enable = true; targets = [ "timers" "futex" ]; };
          # kboot.testSuites.fstests = {
          #   enable = true;
          #   sections.xfs = { FSTYP = "xfs"; TEST_DEV = "/dev/vdb"; TEST_DIR = "/mnt/test";
          #                    SCRATCH_DEV = "/dev/vdc"; SCRATCH_MNT = "/mnt/scratch"; };
          # };
          # kboot.profiles.devel.enable = true;

          networking.hostName = "guest";
          system.stateVersion = "24.11";
        }
      ];
    };

    # nix build, then:  kboot run result/ --kernel /path/to/linux/arch/x86/boot/bzImage
    packages.x86_64-linux.default = self.nixosConfigurations.guest.config.system.build.toplevel;
  };
}
