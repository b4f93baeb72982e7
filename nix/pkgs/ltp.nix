# The Linux Test Project (https://github.com/linux-test-project/ltp), release 20260529, built from
# git as its INSTALL says (make autotools, configure, make, make install) and installed as it
# would be under /opt/ltp: bin/, testcases/bin/, runtest/, scenario_groups/. Set LTPROOT to it
# (kboot's ltp module does). kirk is packaged apart (nix/pkgs/kirk.nix).
{ lib, stdenv, fetchFromGitHub, autoconf, automake, m4, pkg-config, bison, flex, perl, which
, libaio, acl, attr, libcap, keyutils, numactl, libtirpc, openssl, elfutils, zlib }:
stdenv.mkDerivation {
  pname = "ltp";
  version = "20260529";

  src = fetchFromGitHub {
    owner = "linux-test-project";
    repo = "ltp";
    rev = "20260529";
    hash = "sha256-h4cIK0sDbyGiGwvba3jkJ+W28oNzvQAfGu1RbGAFljA=";
  };

  nativeBuildInputs = [ autoconf automake m4 pkg-config bison flex perl which ];
  buildInputs = [ libaio acl attr libcap keyutils numactl libtirpc openssl elfutils zlib ];

  # LTP's tests are built without the hardening that changes what they exercise.
  hardeningDisable = [ "fortify" "stackprotector" "format" ];
  enableParallelBuilding = true;

  preConfigure = ''
    make autotools
  '';
  configureFlags = [ "--prefix=${placeholder "out"}" ];

  postInstall = ''
    patchShebangs $out
  '';

  meta = {
    description = "Linux Test Project: tests of the kernel's system calls and subsystems";
    homepage = "https://linux-test-project.readthedocs.io";
    license = lib.licenses.gpl2Plus;
    platforms = lib.platforms.linux;
  };
}
