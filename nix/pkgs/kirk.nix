# kirk (https://github.com/linux-test-project/kirk), LTP's test runner, pinned: a Python program
# with no dependencies beyond the standard library. bin/kirk runs it with nixpkgs' python3; it
# finds LTP through LTPROOT.
{ lib, stdenvNoCC, fetchFromGitHub, python3, makeWrapper }:
stdenvNoCC.mkDerivation {
  pname = "kirk";
  version = "4.1.0";

  src = fetchFromGitHub {
    owner = "linux-test-project";
    repo = "kirk";
    rev = "v4.1.0";
    hash = "sha256-W/6sxdqNACs0yI+g8BLYFdqPzJXA1VHYbUN/YL7kuJE=";
  };

  nativeBuildInputs = [ makeWrapper ];
  dontBuild = true;

  installPhase = ''
    runHook preInstall
    mkdir -p $out/share/kirk $out/bin
    cp -r kirk libkirk $out/share/kirk/
    rm -rf $out/share/kirk/libkirk/tests
    makeWrapper ${python3.interpreter} $out/bin/kirk --add-flags $out/share/kirk/kirk
    runHook postInstall
  '';

  meta = {
    description = "LTP's test runner";
    homepage = "https://github.com/linux-test-project/kirk";
    license = lib.licenses.gpl2Plus;
    platforms = lib.platforms.linux;
    mainProgram = "kirk";
  };
}
