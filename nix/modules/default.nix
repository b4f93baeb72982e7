# Every kboot NixOS module: the flake's nixosModules.default. Each does nothing until enabled
# (kboot.imageless.enable, kboot.profiles.devel.enable, ...), so importing them all is safe.
{
  imports = [
    ./backends/imageless.nix
    ./backends/libvirt.nix
    ./mounts/shares.nix
    ./mounts/storage.nix
    ./user.nix
    ./kboot-agent.nix
    ../../profiles/devel.nix
    ../../profiles/build-tools.nix
    ../../profiles/monitoring.nix
    ../../profiles/controller.nix
    ../../testsuites/fstests.nix
    ../../testsuites/blktests.nix
    ../../testsuites/selftests.nix
    ../../testsuites/ltp.nix
  ];
}
