{
  description = "A NixOS qcow2 guest for libvirt, defined by kboot";

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
          kboot.libvirt.enable = true;

          # An account to log in with over SSH (libvirt's default network gives the guest an
          # address by DHCP: virsh domifaddr guest).
          kboot.user = {
            enable = true;
            authorizedKeys = [ ]; # "ssh-ed25519 AAAA... you@host"
          };
          # kboot.testSuites.blktests = { enable = true; devices = [ "/dev/vdb" ]; };

          networking.hostName = "guest";
          system.stateVersion = "24.11";
        }
      ];
    };

    # nix build, then:  kboot libvirt define result/nixos.qcow2 --name guest
    packages.x86_64-linux.default = self.nixosConfigurations.guest.config.system.build.qcow2;
  };
}
