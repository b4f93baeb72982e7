# kboot, built from this Maven project with nixpkgs' maven.buildMavenPackage: the same shaded jar
# scripts/build.sh makes (cli/target/kboot.jar, picocli compiled from its sources jar, see
# cli/pom.xml), its class data sharing archive from a training run, and bin/kboot, the repo's
# own launcher script, pointed at them and at a JDK, with QEMU and virtiofsd on PATH and libvirt's
# library where `kboot libvirt` (libvirt-java over JNA) loads it; its bash completion and man pages.
#
# mvnHash is the hash of the Maven dependencies (a fixed-output derivation: `mvn package` with an
# empty local repository, its volatile files removed). When a pom.xml changes its dependencies or
# plugins, recompute it: nix/update-mvn-hash.sh (no Nix needed), or build and take the hash
# Nix reports.
{ lib
, maven
, jdk_headless
, makeWrapper
, installShellFiles
, asciidoctor
, qemu_kvm
, virtiofsd
, libvirt
}:
let
  root = ../..;
in
maven.buildMavenPackage {
  pname = "kboot";
  version = "0.1.0";

  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.unions [
      (root + "/pom.xml")
      (root + "/launcher/pom.xml")
      (root + "/launcher/src/main")
      (root + "/harness/pom.xml")
      (root + "/harness/src/main")
      (root + "/cli/pom.xml")
      (root + "/cli/src/main")
      (lib.fileset.fileFilter (f: f.hasExt "yaml") (root + "/testsuites"))
      (root + "/bin/kboot")
    ];
  };

  mvnHash = "sha256-U3QAbnu6P9UxaSDO0+UG3+HQHr+UUNRvN9R4P5JJl5Y=";
  # The tests boot QEMU guests (end-to-end) and read the sample closure: they run in the
  # project's CI (scripts/test.sh), not in the Nix sandbox.
  doCheck = false;
  mvnParameters = "-DskipTests";

  nativeBuildInputs = [ makeWrapper installShellFiles asciidoctor ];

  installPhase = ''
    runHook preInstall
    share=$out/share/kboot
    install -Dm644 cli/target/kboot.jar $share/kboot.jar
    install -Dm755 bin/kboot $share/kboot.sh
    # The archive is valid only for the jar's size and mtime; the store resets mtimes to 1.
    touch --date=@1 $share/kboot.jar
    ${jdk_headless}/bin/java -XX:DumpLoadedClassList=kboot.classlist -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -jar $share/kboot.jar run --help > /dev/null
    ${jdk_headless}/bin/java -Xshare:dump -XX:SharedClassListFile=kboot.classlist -XX:SharedArchiveFile=$share/kboot.jsa \
      -XX:+UseSerialGC -cp $share/kboot.jar -Xlog:cds=off -Xlog:cds+dynamic=off > /dev/null
    makeWrapper $share/kboot.sh $out/bin/kboot \
      --set-default KBOOT_JAR $share/kboot.jar \
      --set-default KBOOT_JAVA ${jdk_headless}/bin/java \
      --prefix PATH : ${lib.makeBinPath [ qemu_kvm virtiofsd ]} \
      --prefix LD_LIBRARY_PATH : ${lib.makeLibraryPath [ libvirt ]}
    # The build makes the bash completion (`kboot completion bash`) and the man pages' AsciiDoc
    # (picocli's ManPageGenerator); cli/pom.xml turns them into man pages only where Debian's
    # asciidoctor is, so do that here.
    installShellCompletion --bash --name kboot cli/target/completion/kboot
    asciidoctor -b manpage -D man cli/target/man/adoc/*.adoc
    installManPage man/*.1
    runHook postInstall
  '';

  meta = {
    description = "Imageless boot launcher and kernel test harness for NixOS closures";
    platforms = lib.platforms.linux;
    mainProgram = "kboot";
  };
}
