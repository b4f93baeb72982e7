# kboot suite descriptors: what a system tells kboot's harness about a test suite installed in it.
#
# A descriptor is one JSON file per suite, /etc/kboot/suites/<suite>.json, schema `kboot-suite/1`
# (docs/nix.md, "Suite descriptors"). The testSuites.* modules write them with `file` below, the
# sample closure (sample/build-closure.sh) writes its kselftest one with `descriptor`, and the
# harness reads them with dev.kboot.harness.run.SuiteDescriptor, falling back to the `search`
# lists of testsuites/<suite>.yaml when a guest has none.
#
# Pure: needs neither nixpkgs nor its lib, so CI evaluates it with a bare `nix-instantiate --eval`.
let
  schema = "kboot-suite/1";

  # kboot's suite names (dev.kboot.harness.run.Runners) that are installed in a guest, and the
  # program kboot runs from the descriptor's `dir`.
  runners = {
    kselftest = "run_kselftest.sh";
    fstests = "check";
    blktests = "check";
    ltp = "kirk";
  };

  # Every key a descriptor has, in the order it is written. The harness's reader knows the same
  # list (SuiteDescriptor.FIELDS); a test fails when the two differ.
  fields = [ "schema" "suite" "dir" "config" "sections" "devices" "env" "logs" ];

  directory = "/etc/kboot/suites";

  inherit (builtins) all attrNames concatMap elem filter isAttrs isList isString substring;

  absolute = p: isString p && substring 0 1 p == "/";

  # descriptor { suite, dir, config?, sections?, devices?, env?, logs? } -> the descriptor attrset.
  # Throws, naming the suite and the argument, on a value kboot's reader would refuse.
  descriptor =
    { suite
    , dir
    , config ? null
    , sections ? [ ]
    , devices ? [ ]
    , env ? { }
    , logs ? [ ]
    }:
    let
      strings = xs: isList xs && all isString xs;
      rules = [
        { ok = elem suite (attrNames runners); msg = "suite must be one of ${toString (attrNames runners)}"; }
        { ok = absolute dir; msg = "dir must be an absolute path, got '${toString dir}'"; }
        { ok = config == null || absolute config; msg = "config must be null or an absolute path"; }
        { ok = strings sections; msg = "sections must be a list of strings"; }
        { ok = strings devices && all absolute devices; msg = "devices must be a list of absolute paths"; }
        { ok = isAttrs env && all (n: isString env.${n}) (attrNames env); msg = "env must be an attrset of strings"; }
        { ok = strings logs && all absolute logs; msg = "logs must be a list of absolute paths"; }
      ];
      broken = filter (r: !r.ok) rules;
    in
    if broken != [ ] then throw "kboot suite descriptor for '${toString suite}': ${(builtins.head broken).msg}"
    else { inherit schema suite dir config sections devices env logs; };

  # file args -> { name, text }: the environment.etc entry (name relative to /etc) of a descriptor.
  file = args:
    let d = descriptor args;
    in { name = "kboot/suites/${d.suite}.json"; text = builtins.toJSON d; };

  # fstests' local.config from sections: { NAME = { FSTYP = "xfs"; TEST_DEV = "/dev/vdb"; ... }; }
  # -> "[NAME]\nFSTYP=xfs\n...". Values are written as they are (fstests sources the file with
  # bash), so quote what needs quoting.
  fstestsConfig = sections:
    builtins.concatStringsSep "\n" (map
      (name:
        "[${name}]\n" + builtins.concatStringsSep "" (map (k: "${k}=${toString sections.${name}.${k}}\n") (attrNames sections.${name})))
      (attrNames sections));

  # The block devices fstests sections use: every *_DEV, *_LOGDEV and *_RTDEV value under /dev
  # and the words of SCRATCH_DEV_POOL, each once, in section order.
  fstestsDevices = sections:
    let
      isDevKey = k: builtins.match ".*_(DEV|LOGDEV|RTDEV)" k != null;
      words = s: filter (w: isString w && w != "") (builtins.split "[ \t]+" s);
      ofSection = s:
        concatMap (k: if isDevKey k then [ s.${k} ] else if k == "SCRATCH_DEV_POOL" then words s.${k} else [ ]) (attrNames s);
      all' = concatMap (n: ofSection sections.${n}) (attrNames sections);
    in
    unique (filter (d: isString d && substring 0 5 d == "/dev/") all');

  unique = builtins.foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];

  # The activation script that makes a suite's writable working directory (fstests and blktests
  # run from, and write into, their own directory): DIRECTORY/results, every entry of FILES (a
  # directory in the store) linked in, and LINKS ({ name = store path; }) linked under their names.
  workdirScript = { directory, files, links ? { } }:
    let q = s: "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] s}'";
    in
    ''
      mkdir -p ${q "${directory}/results"}
      for f in ${files}/*; do
        ln -sfn "$f" ${q "${directory}/"}
      done
    '' + builtins.concatStringsSep "" (map (n: "ln -sfn ${links.${n}} ${q "${directory}/${n}"}\n") (attrNames links));

  # blktests' config: TEST_DEVS as the bash array it expects, then extra lines.
  blktestsConfig = { devices, extraConfig ? "" }:
    "TEST_DEVS=(${builtins.concatStringsSep " " devices})\n" + extraConfig;
in
{
  inherit schema runners fields directory descriptor file fstestsConfig fstestsDevices blktestsConfig workdirScript;
  # Suites this file knows, sorted.
  suites = attrNames runners;
}
