# The kboot guest agent (agent/kboot-agent.c): a small C program with no dependencies
# beyond libc. kboot talks to it on the virtio-serial port named org.kboot.agent.
{ lib, stdenv }:
stdenv.mkDerivation {
  pname = "kboot-agent";
  version = "1";
  src = lib.fileset.toSource {
    root = ../../agent;
    fileset = ../../agent/kboot-agent.c;
  };
  buildPhase = ''
    runHook preBuild
    $CC -O2 -Wall -Wextra -Werror -o kboot-agent kboot-agent.c
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    install -Dm755 kboot-agent $out/bin/kboot-agent
    runHook postInstall
  '';
  meta = {
    description = "Runs commands for kboot in a guest, over a virtio-serial port";
    platforms = lib.platforms.linux;
    mainProgram = "kboot-agent";
  };
}
