# A stand-in for nixpkgs' package set, for kboot's tests (see lib.nix): every package is a fake
# derivation, a name and a made-up store path that is never built; builders return the same,
# keeping the attributes they were given. A package kboot's files use that is missing here is
# an evaluation error, so this list is also the list of nixpkgs attributes kboot relies on.
{ lib ? import ./lib.nix }:
let
  drv = name: extra:
    let
      self = {
        type = "derivation";
        inherit name;
        pname = name;
        version = "0";
        outPath = "/nix/store/${builtins.substring 0 32 (builtins.hashString "sha256" name)}-${name}";
        drvPath = "/nix/store/${builtins.substring 0 32 (builtins.hashString "sha256" "drv-${name}")}-${name}.drv";
        outputs = [ "out" ];
        out = self;
        dev = self;
        bin = self;
        lib = self;
        man = self;
        meta = { mainProgram = name; };
        override = _: self;
        overrideAttrs = _: self;
      } // extra;
    in
    self;

  # Packages kboot's modules, packages and toolchain name, as plain fake derivations.
  plain = [
    "acl" "alsa-lib" "ansible" "asciidoctor" "attr" "autoconf" "automake" "bash" "bc" "binutils" "bison" "bpftrace"
    "btrfs-progs" "bzip2" "cdrkit" "coreutils" "cpio" "curl" "dbus" "diffutils" "dtc" "e2fsprogs"
    "elfutils" "ethtool" "file" "findutils" "fio" "flex" "fuse" "gawk" "gcc" "gdb" "git" "glib"
    "gnugrep" "gnumake" "gnused" "gnutls" "gzip" "hostname" "installShellFiles" "iproute2" "jdk17_headless" "jdk_headless"
    "jq" "keyutils" "killall" "kmod" "less" "libaio" "libcap" "libcap_ng" "libmnl" "libnl" "libseccomp"
    "libslirp" "libtirpc" "liburing" "libvirt" "lsof" "ltrace" "lvm2" "lz4" "m4" "makeWrapper" "meson"
    "ncurses" "ninja" "numactl" "nvme-cli" "openssh" "openssl" "pahole" "pciutils" "perl" "pixman"
    "pkg-config" "popt" "procps" "qemu-utils" "qemu_kvm" "quota" "rsync" "sg3_utils" "strace" "systemd"
    "tmux" "trace-cmd" "util-linux" "vim" "virtiofsd" "which" "xfsprogs" "xfstests" "xz" "zlib" "zstd"
  ];

  mkDerivation = args: drv (args.pname or args.name) (removeAttrs args [ "name" "pname" "meta" ] // {
    meta = { mainProgram = args.pname or args.name; } // (args.meta or { });
  });

  pkgs = lib.genAttrs plain (n: drv n { }) // {
    inherit lib;
    system = "x86_64-linux";
    stdenv = { inherit mkDerivation; hostPlatform.system = "x86_64-linux"; isLinux = true; };
    stdenvNoCC = pkgs.stdenv;
    runtimeShell = "${pkgs.bash}/bin/bash";

    # callPackage: the function's arguments from this set, overridden by `args`; a missing one
    # is an error, as in nixpkgs.
    callPackage = f: args:
      let
        fn = if builtins.isFunction f then f else import f;
        wanted = builtins.functionArgs fn;
        missing = builtins.filter (n: !wanted.${n} && !(pkgs ? ${n}) && !(args ? ${n})) (builtins.attrNames wanted);
      in
      if missing != [ ] then throw "callPackage: the stub pkgs has no ${builtins.concatStringsSep ", " missing}"
      else fn (builtins.intersectAttrs wanted pkgs // args);

    python3 = drv "python3" { interpreter = "${pkgs.python3.outPath}/bin/python3"; withPackages = _: pkgs.python3; };
    llvmPackages = { clang = drv "clang" { }; lld = drv "lld" { }; llvm = drv "llvm" { }; };
    linuxPackages = {
      kernel = drv "linux" { version = "6.6.0"; modDirVersion = "6.6.0"; src = drv "linux-6.6.0.tar.xz" { }; };
      perf = drv "perf" { };
    };
    maven = drv "maven" { buildMavenPackage = args: mkDerivation args; };
    fetchFromGitHub = { owner, repo, rev, hash, ... }: drv "source" { inherit owner repo rev hash; };

    writeText = name: text: drv name { inherit text; };
    writeTextFile = { name, text, ... }: drv name { inherit text; };
    writeScript = name: text: drv name { inherit text; };
    writeShellScript = name: text: drv name { inherit text; };
    writeShellScriptBin = name: text: drv name { inherit text; };
    writeShellApplication = { name, text, runtimeInputs ? [ ], ... }: drv name { inherit text runtimeInputs; };
    runCommand = name: env: buildCommand: drv name (env // { inherit buildCommand; });
    symlinkJoin = { name, paths, ... }: drv name { inherit paths; };
    mkShell = args: drv (args.name or "nix-shell") (removeAttrs args [ "name" ]);
  };
in
pkgs
