# blktests (https://github.com/linux-blktests/blktests), pinned. `make install` puts check,
# common/, tests/ and the compiled helpers (src/) under share/blktests; kboot's blktests module
# links them into a writable directory, where blktests also writes its results.
{ lib, stdenv, fetchFromGitHub, liburing }:
stdenv.mkDerivation {
  pname = "blktests";
  version = "0-unstable-2026-08-21";

  src = fetchFromGitHub {
    owner = "linux-blktests";
    repo = "blktests";
    rev = "a608cb56341e0f4cacf473f5e0ac6052f1f12de9";
    hash = "sha256-MxtHjyghVSGgMed0rgcfg/ayq6msKA/fkivD6kRuMWM=";
  };

  buildInputs = [ liburing ];
  enableParallelBuilding = true;
  makeFlags = [ "prefix=${placeholder "out"}/share" ];

  postInstall = ''
    patchShebangs $out/share/blktests
  '';

  meta = {
    description = "Test framework for the Linux kernel block layer and storage stack";
    homepage = "https://github.com/linux-blktests/blktests";
    license = lib.licenses.gpl2Plus;
    platforms = lib.platforms.linux;
  };
}
