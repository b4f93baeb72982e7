# What kboot's Nix tests evaluate (harness NixFilesTest, SuiteDescriptorTest): the flake's outputs,
# the modules' options and the configurations they make, against the stubs in ./stub (nixpkgs
# cannot be fetched on kboot's CI machines). Every attribute is JSON-able data:
#
#   nix-instantiate --eval --strict --json nix/tests/eval.nix -A outputs
#
# `lib` may be swapped for nixpkgs' own (`--arg lib 'import <nixpkgs/lib>'`) to run the same
# evaluation on the real module system where nixpkgs' lib is at hand.
{ lib ? import ./stub/lib.nix }:
let
  pkgs = import ./stub/pkgs.nix { inherit lib; };
  nixpkgs = import ./stub/nixpkgs.nix { inherit lib pkgs; };

  # The declared options as dotted paths (an option is an attrset with _type "option").
  optionPaths = opts:
    let go = p: o: if (o._type or null) == "option" then [ (builtins.concatStringsSep "." p) ] else builtins.concatMap (n: go (p ++ [ n ]) o.${n}) (builtins.attrNames o);
    in go [ ] opts;
  flake = import ../../flake.nix;
  outputs = flake.outputs { self = outputs; inherit nixpkgs; };
  system = "x86_64-linux";

  eval = modules: nixpkgs.lib.nixosSystem { inherit system; modules = [ outputs.nixosModules.default ] ++ modules; };

  names = builtins.attrNames;
  # A module tree's leaves (modules are attrsets with `imports`) as dotted names.
  moduleNames = prefix: set:
    builtins.concatMap
      (n: if set.${n} ? imports then [ "${prefix}${n}" ] else moduleNames "${prefix}${n}." set.${n})
      (names set);
  drvName = d: d.name;

  nothing = eval [ ];
  imageless = eval [{ kboot.imageless.enable = true; }];
  libvirt = eval [{ kboot.libvirt.enable = true; }];

  sections = {
    xfs = { FSTYP = "xfs"; TEST_DEV = "/dev/vdb"; TEST_DIR = "/mnt/test"; SCRATCH_DEV = "/dev/vdc"; SCRATCH_MNT = "/mnt/scratch"; };
    ext4 = { FSTYP = "ext4"; TEST_DEV = "/dev/vdb"; TEST_DIR = "/mnt/test"; SCRATCH_DEV_POOL = "/dev/vdd /dev/vde"; SCRATCH_MNT = "/mnt/scratch"; };
  };
  everything = eval [{
    kboot.imageless.enable = true;
    kboot.mounts.shares.src = { mountPoint = "/src"; };
    kboot.mounts.storage.filesystems."/var/lib/data" = { device = "/dev/disk/by-id/virtio-data"; fsType = "xfs"; autoFormat = true; };
    kboot.mounts.storage.loopDevices.test = { device = "/dev/loop16"; size = "4G"; };
    kboot.user = { enable = true; name = "dev"; authorizedKeys = [ "ssh-ed25519 AAAA dev@host" ]; };
    kboot.profiles.devel.enable = true;
    kboot.profiles.build-tools.enable = true;
    kboot.profiles.monitoring.enable = true;
    kboot.profiles.controller.enable = true;
    kboot.testSuites.fstests = { enable = true; inherit sections; };
    kboot.testSuites.blktests = { enable = true; devices = [ "/dev/vdb" "/dev/vdc" ]; };
    kboot.testSuites.selftests = { enable = true; targets = [ "timers" "futex" ]; };
    kboot.testSuites.ltp.enable = true;
  }];

  c = everything.config;
  packageNames = cfg: map drvName cfg.environment.systemPackages;
  toolchain = import ../lib/toolchain.nix;
  templates = builtins.mapAttrs
    (n: t: (import (t.path + "/flake.nix")).outputs { self = templates.${n}; inherit nixpkgs; kboot = outputs; })
    (removeAttrs outputs.templates [ "default" ]);
in
{
  outputs = {
    nixosModules = moduleNames "" outputs.nixosModules;
    packages = names outputs.packages.${system};
    checks = names outputs.checks.${system};
    apps = names outputs.apps.${system};
    devShells = names outputs.devShells.${system};
    templates = names outputs.templates;
    overlays = names outputs.overlays;
    # Building blocks evaluate: the checks' derivations and what the apps run.
    checkNames = builtins.mapAttrs (_: drvName) outputs.checks.${system};
    packageNames = builtins.mapAttrs (_: drvName) outputs.packages.${system};
    appPrograms = builtins.mapAttrs (_: a: a.program) outputs.apps.${system};
    shellPackages = builtins.mapAttrs (_: s: map drvName s.packages) outputs.devShells.${system};
    templateDefaults = builtins.mapAttrs (_: t: t.packages.${system}.default.name) templates;
  };

  # Everything evaluates all the way down: every package's attributes (build scripts included),
  # every shell, and every configuration value of the systems above.
  deep = {
    packages = builtins.mapAttrs (_: p: builtins.deepSeq p true) outputs.packages.${system};
    devShells = builtins.mapAttrs (_: s: builtins.deepSeq s true) outputs.devShells.${system};
    imageless = builtins.deepSeq imageless.config true;
    libvirt = builtins.deepSeq libvirt.config true;
    everything = builtins.deepSeq everything.config true;
  };

  # Every option the modules declare (dotted paths).
  options = builtins.filter (o: lib.hasPrefix "kboot." o || lib.hasPrefix "services.kboot-agent." o) (optionPaths everything.options);

  # With every module imported and none enabled, nothing is configured.
  # (An option nothing defines is absent, or an error to read, depending on the lib.)
  nothing =
    let
      cfg = nothing.config;
      get = path: default:
        let
          v = lib.attrByPath path default cfg;
          r = builtins.tryEval (builtins.deepSeq v v);
        in
        if r.success then r.value else default;
    in
    {
      fileSystems = names (get [ "fileSystems" ] { });
      services = names (get [ "systemd" "services" ] { });
      etc = names (get [ "environment" "etc" ] { });
      packages = map drvName (get [ "environment" "systemPackages" ] [ ]);
      users = names (get [ "users" "users" ] { });
      kernelParams = get [ "boot" "kernelParams" ] [ ];
      udev = get [ "services" "udev" "extraRules" ] "";
    };

  imageless = {
    inherit (imageless.config) fileSystems;
    inherit (imageless.config.boot) kernelParams;
    loader = imageless.config.boot.loader.grub.enable;
    initrdSystemd = imageless.config.boot.initrd.systemd.enable;
    initrdModules = imageless.config.boot.initrd.availableKernelModules;
    bootspec = imageless.config.boot.bootspec.enable;
    agent = imageless.config.systemd.services.kboot-agent;
    udev = imageless.config.services.udev.extraRules;
    moduleDir = imageless.config.systemd.services.systemd-udevd.environment.MODULE_DIR;
    gettys = map (n: imageless.config.systemd.services.${n}.enable) [ "serial-getty@ttyS0" "serial-getty@hvc0" ];
    toplevel = imageless.config.system.build.toplevel.name;
  };

  libvirt = {
    inherit (libvirt.config) fileSystems;
    inherit (libvirt.config.boot) kernelParams;
    grub = { inherit (libvirt.config.boot.loader.grub) enable device; };
    initrdModules = libvirt.config.boot.initrd.availableKernelModules;
    dhcp = libvirt.config.networking.useDHCP;
    agent = libvirt.config.services.kboot-agent.enable;
    image = { inherit (libvirt.config.system.build.qcow2) name partitionTableType label fsType format bootLoaderDevice; };
  };

  # The stub is strict where NixOS is: an option nobody declared, or a value of the wrong type,
  # fails the evaluation (so a renamed option breaks these tests).
  strictness = builtins.mapAttrs (_: m: (builtins.tryEval (builtins.deepSeq (eval [ m ]).config.kboot true)).success) {
    unknownOption = { kboot.imageless.rootsize = "2G"; };
    wrongType = { kboot.imageless.rootSize = 2; };
    unknownSubmoduleOption = { kboot.mounts.shares.src = { mountpoint = "/src"; }; };
    wellFormed = { kboot.imageless.rootSize = "2G"; kboot.mounts.shares.src = { mountPoint = "/src"; }; };
  };

  # Both backends at once is refused.
  bothBackends = (builtins.tryEval (eval [{ kboot.imageless.enable = true; kboot.libvirt.enable = true; }]).config.system.build.toplevel.name).success;

  everything = {
    fileSystems = builtins.mapAttrs (_: f: { inherit (f) device fsType; options = f.options or [ ]; }) c.fileSystems;
    services = names c.systemd.services;
    packages = packageNames c;
    users = names c.users.users;
    groups = names c.users.groups;
    userGroups = c.users.users.dev.extraGroups;
    tmpfiles = c.systemd.tmpfiles.settings;
    activation = c.system.activationScripts;
    libvirtd = c.virtualisation.libvirtd.enable;
    monitor = c.systemd.services."kboot-monitor@".serviceConfig;
    toolchain = {
      build-tools = toolchain.names toolchain.consumers.profiles.build-tools;
      controller = toolchain.names toolchain.consumers.profiles.controller;
    };
    toplevel = c.system.build.toplevel.name;
  };

  # The suite descriptors the testSuites.* modules write, as the files' text.
  descriptors = builtins.listToAttrs (map
    (s: { name = s; value = c.environment.etc."kboot/suites/${s}.json".text; })
    [ "fstests" "blktests" "kselftest" "ltp" ]);
  fstestsLocalConfig = (import ../lib/suites.nix).fstestsConfig sections;
}
