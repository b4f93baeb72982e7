# Stand-in for nixpkgs' nixos/lib/make-disk-image.nix: takes the arguments it takes (as of
# nixos-24.11; an unknown one is an error, as there) and returns a fake derivation that keeps
# the ones kboot's tests look at.
{ pkgs, lib, config
, diskSize ? "auto", additionalSpace ? "512M", bootSize ? "256M", contents ? [ ]
, partitionTableType ? "legacy", installBootLoader ? true, touchEFIVars ? false
, OVMF ? null, efiFirmware ? null, efiVariables ? null, fsType ? "ext4", label ? "nixos"
, configFile ? null, postVM ? "", memSize ? 1024, onlyNixStore ? false, name ? "nixos-disk-image"
, format ? "raw", deterministic ? true, rootGPUID ? null, rootFSUID ? null, copyChannel ? true
, additionalPaths ? [ ]
}:
assert builtins.elem partitionTableType [ "legacy" "legacy+gpt" "efi" "efixbootldr" "hybrid" "none" ];
assert builtins.elem format [ "qcow2" "qcow2-compressed" "vdi" "vpc" "raw" ];
pkgs.runCommand name {
  inherit diskSize additionalSpace partitionTableType label fsType copyChannel format installBootLoader;
  bootLoaderDevice = config.boot.loader.grub.device;
} ""
