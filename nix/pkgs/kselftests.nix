# The kernel's selftests, built from a kernel's own source (tools/testing/selftests) and installed
# with its runner: lib/kselftest/run_kselftest.sh and kselftest-list.txt. Build them from the
# source of the kernel you test; kboot's selftests module uses the system's kernel by default.
#
#   callPackage ./kselftests.nix { kernel = linuxPackages_6_6.kernel; targets = [ "timers" ]; }
#
# `targets` empty: the kernel's default TARGETS. A target that fails to build is left out (the
# selftests Makefile goes on without FORCE_TARGETS), as distributions do.
{ lib, stdenv, kernel, targets ? [ ], bison, flex, rsync, perl, python3, pkg-config, bc, which
, libcap, libcap_ng, popt, libmnl, numactl, fuse, elfutils, zlib, openssl, alsa-lib, libnl }:
let
  flags = [ "-C" "tools/testing/selftests" ] ++ lib.optional (targets != [ ]) "TARGETS=${lib.concatStringsSep " " targets}";
in
stdenv.mkDerivation {
  pname = "kselftests";
  inherit (kernel) version src;

  nativeBuildInputs = [ bison flex rsync perl python3 pkg-config bc which ];
  buildInputs = [ libcap libcap_ng popt libmnl numactl fuse elfutils zlib openssl alsa-lib libnl ];

  hardeningDisable = [ "all" ];
  enableParallelBuilding = true;

  postPatch = ''
    patchShebangs scripts tools/testing/selftests
  '';

  buildPhase = ''
    runHook preBuild
    make -j$NIX_BUILD_CORES ${lib.escapeShellArgs flags}
    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    make ${lib.escapeShellArgs flags} install INSTALL_PATH=$out/lib/kselftest
    runHook postInstall
  '';

  meta = {
    description = "Linux kernel selftests (kselftest) for ${kernel.version}";
    homepage = "https://docs.kernel.org/dev-tools/kselftest.html";
    license = lib.licenses.gpl2Only;
    platforms = lib.platforms.linux;
  };
}
