# A minimal stand-in for nixpkgs' `lib`, written for kboot's tests: nixpkgs cannot be fetched on
# kboot's CI machines, yet a renamed option or a broken mkIf must fail CI.
#
# It has a small module system with the semantics kboot's modules rely on: imports (deduplicated
# by file), options with types, defaults and `apply`, checked values, mkIf / mkMerge /
# mkOverride (mkDefault, mkForce) / mkOrder (mkBefore, mkAfter), submodules, and a free-form
# merge for every option NixOS would declare (boot.*, systemd.*, users.*, ...): attrsets merge
# by name, lists concatenate, other values must agree. It is not nixpkgs' lib; functions are
# added here as kboot's Nix files use them.
let
  inherit (builtins)
    all any attrNames attrValues concatLists concatMap concatStringsSep elem filter foldl' functionArgs
    genericClosure head isAttrs isBool isFunction isInt isList isPath isString length listToAttrs map
    mapAttrs match removeAttrs sort tail toJSON typeOf;

  # --- properties -----------------------------------------------------------------------------
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  typeIs = t: v: isAttrs v && (v._type or null) == t;

  # A definition's value -> [ { priority, order, value } ]: mkIf false dropped, mkMerge flattened.
  discharge = prio: ord: v:
    if typeIs "merge" v then concatMap (discharge prio ord) v.contents
    else if typeIs "if" v then
      (if !isBool v.condition then throw "mkIf: condition is not a bool" else if v.condition then discharge prio ord v.content else [ ])
    else if typeIs "override" v then discharge v.priority ord v.content
    else if typeIs "order" v then discharge prio v.priority v.content
    else [{ priority = prio; order = ord; value = v; }];

  # An attrset-level definition with properties -> plain attrsets whose leaves carry them.
  pushDown = v:
    if typeIs "merge" v then concatMap pushDown v.contents
    else if typeIs "if" v then map (mapAttrs (_: x: mkIf v.condition x)) (pushDown v.content)
    else if typeIs "override" v then map (mapAttrs (_: x: mkOverride v.priority x)) (pushDown v.content)
    else [ v ];

  # The highest-priority definitions (lowest number), ordered by mkOrder.
  effective = loc: defs:
    let
      all' = concatMap (d: discharge 100 1000 d) defs;
      best = foldl' (m: d: if d.priority < m then d.priority else m) 9999 all';
    in
    sort (a: b: a.order < b.order) (filter (d: d.priority == best) all');

  showLoc = loc: concatStringsSep "." loc;

  isDerivation = v: isAttrs v && (v.type or null) == "derivation";

  # --- options --------------------------------------------------------------------------------
  mkOption = attrs: attrs // { _type = "option"; };
  mkEnableOption = name: mkOption { type = types.bool; default = false; example = true; description = "Whether to enable ${name}."; };
  mkPackageOption = pkgs: name: extra:
    let path = if isList name then name else [ name ];
    in mkOption ({
      type = types.package;
      default = attrByPath (extra.default or path) (throw "mkPackageOption: pkgs.${concatStringsSep "." path} is not in the stub pkgs") pkgs;
      defaultText = literalExpression "pkgs.${concatStringsSep "." path}";
      description = "The ${concatStringsSep "." path} package to use.";
    } // removeAttrs extra [ "default" ]);
  literalExpression = text: { _type = "literalExpression"; inherit text; };
  literalMD = text: { _type = "literalMD"; inherit text; };
  isOption = typeIs "option";

  # --- types ----------------------------------------------------------------------------------
  mkType = { name, check ? (_: true), merge ? mergeEqual, description ? name, nested ? { }, getSubOptions ? (_: { }) }:
    { _type = "option-type"; inherit name check merge description nested getSubOptions; };

  checked = t: loc: v:
    if t.check v then v else throw "option ${showLoc loc}: ${toJSON (if isDerivation v then v.name else if isFunction v then "<function>" else v)} is not of type ${t.description}";

  mergeEqual = loc: defs:
    let first = (head defs).value;
    in if all (d: d.value == first) defs then first
    else throw "option ${showLoc loc} has conflicting definitions: ${toJSON (map (d: if isDerivation d.value then d.value.name else d.value) defs)}";

  freeform = loc: defs: mergeFree loc (map (d: d.value) defs);

  types = rec {
    bool = mkType { name = "bool"; check = isBool; };
    str = mkType { name = "str"; check = isString; };
    nonEmptyStr = mkType { name = "nonEmptyStr"; check = v: isString v && v != ""; };
    singleLineStr = mkType { name = "singleLineStr"; check = v: isString v && match "[^\n]*" v != null; };
    lines = mkType { name = "lines"; check = isString; merge = _: defs: concatStringsSep "\n" (map (d: d.value) defs); };
    commas = mkType { name = "commas"; check = isString; merge = _: defs: concatStringsSep "," (map (d: d.value) defs); };
    int = mkType { name = "int"; check = isInt; };
    port = ints.u16;
    ints = {
      positive = mkType { name = "positive int"; check = v: isInt v && v > 0; };
      unsigned = mkType { name = "unsigned int"; check = v: isInt v && v >= 0; };
      u16 = mkType { name = "16 bit unsigned int"; check = v: isInt v && v >= 0 && v < 65536; };
      between = lo: hi: mkType { name = "int between ${toString lo} and ${toString hi}"; check = v: isInt v && v >= lo && v <= hi; };
    };
    path = mkType { name = "path"; check = v: isPath v || (isString v && builtins.substring 0 1 v == "/") || isDerivation v; };
    package = mkType { name = "package"; check = isDerivation; };
    anything = mkType { name = "anything"; merge = freeform; };
    raw = mkType { name = "raw"; };
    attrs = mkType { name = "attrs"; check = isAttrs; merge = _: defs: foldl' (a: d: a // d.value) { } defs; };
    enum = values: mkType { name = "one of ${concatStringsSep ", " (map toJSON values)}"; check = v: elem v values; };
    strMatching = re: mkType { name = "string matching ${re}"; check = v: isString v && match re v != null; };
    separatedString = sep: mkType { name = "string separated by '${sep}'"; check = isString; merge = _: defs: concatStringsSep sep (map (d: d.value) defs); };
    functionTo = t: mkType { name = "function to ${t.description}"; check = isFunction; merge = _: defs: (head defs).value; };
    uniq = t: t // { merge = loc: defs: if length defs == 1 then (head defs).value else throw "option ${showLoc loc} is defined more than once"; };
    nullOr = t: mkType {
      name = "null or ${t.description}";
      check = v: v == null || t.check v;
      merge = loc: defs:
        if all (d: d.value == null) defs then null
        else if any (d: d.value == null) defs then throw "option ${showLoc loc}: null and non-null definitions"
        else t.merge loc defs;
      nested = { elem = t; };
    };
    either = a: b: mkType {
      name = "${a.description} or ${b.description}";
      check = v: a.check v || b.check v;
      merge = loc: defs: if all (d: a.check d.value) defs then a.merge loc defs else if all (d: b.check d.value) defs then b.merge loc defs else mergeEqual loc defs;
    };
    oneOf = ts: foldl' either (head ts) (tail ts);
    listOf = t: mkType {
      name = "list of ${t.description}";
      check = isList;
      merge = loc: defs:
        concatLists (map (d: map (x: t.merge (loc ++ [ "*" ]) [{ value = checked t (loc ++ [ "*" ]) x; }]) d.value) defs);
      nested = { elem = t; };
    };
    attrsOf = t: mkType {
      name = "attribute set of ${t.description}";
      check = isAttrs;
      merge = loc: defs:
        let
          sets = concatMap (d: map (s: { file = d.file or "?"; value = s; }) (pushDown d.value)) defs;
          names = foldl' (acc: s: acc ++ filter (n: !elem n acc) (attrNames s.value)) [ ] sets;
        in
        listToAttrs (concatMap
          (n:
            let
              es = effective (loc ++ [ n ]) (map (s: s.value.${n}) (filter (s: s.value ? ${n}) sets));
            in
            if es == [ ] then [ ] else [{ name = n; value = t.merge (loc ++ [ n ]) (map (e: { value = checked t (loc ++ [ n ]) e.value; }) es); }])
          names);
      nested = { elem = t; };
      getSubOptions = p: t.getSubOptions (p ++ [ "<name>" ]);
    };
    lazyAttrsOf = attrsOf;
    submoduleWith = { modules, specialArgs ? { } }: mkType {
      name = "submodule";
      check = v: isAttrs v || isFunction v;
      merge = loc: defs:
        (evalModules {
          modules = modules ++ map (d: d.value) defs;
          specialArgs = specialArgs // { name = lastOf loc; };
          prefix = loc;
        }).config;
      getSubOptions = p: (evalModules { inherit modules; specialArgs = specialArgs // { name = "<name>"; }; prefix = p; }).options;
    };
    submodule = m: submoduleWith { modules = if isList m then m else [ m ]; };
  };

  lastOf = l: if l == [ ] then "" else builtins.elemAt l (length l - 1);

  # --- the free-form merge: options NixOS would declare ----------------------------------------
  mergeFree = loc: values:
    let
      es = effective loc values;
      vs = map (e: e.value) es;
    in
    if vs == [ ] then throw "option ${showLoc loc}: every definition is disabled (mkIf false) and it has no default"
    else if all (v: isAttrs v && !isDerivation v && !(v ? _type)) vs then
      let
        sets = concatMap pushDown vs;
        names = foldl' (acc: s: acc ++ filter (n: !elem n acc) (attrNames s)) [ ] sets;
        defined = n: map (s: s.${n}) (filter (s: s ? ${n}) sets);
      in
      listToAttrs (concatMap
        (n: let ds = defined n; in if effective (loc ++ [ n ]) ds == [ ] then [ ] else [{ name = n; value = mergeFree (loc ++ [ n ]) ds; }])
        names)
    else if all isList vs then concatLists vs
    else mergeEqual loc (map (v: { value = v; }) vs);

  # --- modules --------------------------------------------------------------------------------
  moduleKeys = [ "imports" "options" "config" "_file" "key" "meta" "disabledModules" "freeformType" ];

  applyArgs = args: f:
    let fa = functionArgs f;
      required = filter (n: !fa.${n}) (attrNames (removeAttrs fa (attrNames args)));
    in
    if fa == { } then f args
    else f (builtins.intersectAttrs fa args // listToAttrs (map (n: { name = n; value = throw "module argument '${n}' is not available in the stub"; }) required));

  load = args: key: m:
    let
      file = if isPath m || isString m then toString m else key;
      f = if isPath m || isString m then import m else m;
      v = if isFunction f then applyArgs args f else f;
      shorthand = !(v ? config || v ? options);
    in
    {
      key = if v ? key then v.key else file;
      inherit file;
      imports = v.imports or [ ];
      options = v.options or { };
      config = if shorthand then removeAttrs v moduleKeys else v.config or { };
    };

  collect = args: modules:
    genericClosure {
      startSet = builtins.genList (i: load args "<module ${toString i}>" (builtins.elemAt modules i)) (length modules);
      operator = m: builtins.genList (i: load args "${m.key}:import ${toString i}" (builtins.elemAt m.imports i)) (length m.imports);
    };

  # Merges option declarations from all modules into one tree.
  mergeDecls = loc: decls:
    let
      opts = filter isOption decls;
    in
    if opts != [ ] then
      (if length opts == 1 && length decls == 1 then head opts
      else throw "option ${showLoc loc} is declared ${toString (length decls)} times")
    else
      let names = foldl' (acc: d: acc ++ filter (n: !elem n acc) (attrNames d)) [ ] decls;
      in listToAttrs (map (n: { name = n; value = mergeDecls (loc ++ [ n ]) (map (d: d.${n}) (filter (d: d ? ${n}) decls)); }) names);

  # Evaluates one level: `opts` is an option or a namespace of options; `defs` the definitions.
  # Names nobody declared are free-form in the namespaces `open` lists (where the stub's
  # NixOS has the options NixOS itself would declare) and an error anywhere else, as in NixOS:
  # a renamed option fails.
  evalNode = open: loc: opts: defs:
    if isOption opts then evalOption loc opts defs
    else
      let
        sets = concatMap pushDown defs;
        bad = filter (s: !isAttrs s || isDerivation s) sets;
        names = foldl' (acc: s: acc ++ filter (n: !elem n acc) (attrNames s)) (attrNames opts) sets;
        defsOf = n: map (s: s.${n}) (filter (s: s ? ${n}) sets);
      in
      if bad != [ ] then throw "${showLoc loc} is an option namespace, but is defined as ${typeOf (head bad)}"
      else listToAttrs (concatMap
        (n:
          # A namespace's names never depend on mkIf conditions (they may read this very config).
          if opts ? ${n} then [{ name = n; value = evalNode open (loc ++ [ n ]) opts.${n} (defsOf n); }]
          else if !(elem loc open) then throw "The option `${showLoc (loc ++ [ n ])}' does not exist."
          else [{ name = n; value = if effective (loc ++ [ n ]) (defsOf n) == [ ] then { } else mergeFree (loc ++ [ n ]) (defsOf n); }])
        names);

  evalOption = loc: opt: defs:
    let
      type = opt.type or types.anything;
      withDefault = defs ++ (if opt ? default then [ (mkOptionDefault opt.default) ] else [ ]);
      es = effective loc withDefault;
      merged =
        if es == [ ] then throw "option ${showLoc loc} is used but not defined"
        else type.merge loc (map (e: { value = checked type loc e.value; }) es);
    in
    if opt ? apply then opt.apply merged else merged;

  # open: the namespaces (paths) where undeclared names are accepted (the stub's NixOS: see
  # nixpkgs.nix).
  evalModules = { modules, specialArgs ? { }, prefix ? [ ], open ? [ ] }:
    let
      args = { inherit lib config options; } // specialArgs;
      loaded = collect args modules;
      options = mergeDecls prefix (map (m: m.options) loaded);
      config = evalNode open prefix options (map (m: m.config) loaded);
    in
    { inherit config options; };

  # --- the lib functions kboot's Nix files use --------------------------------------------------
  attrByPath = path: default: set:
    if path == [ ] then set
    else if isAttrs set && set ? ${head path} then attrByPath (tail path) default set.${head path}
    else default;
  getAttrFromPath = path: set: attrByPath path (throw "attribute ${concatStringsSep "." path} missing") set;
  setAttrByPath = path: value: if path == [ ] then value else { ${head path} = setAttrByPath (tail path) value; };
  splitString = sep: s: filter isString (builtins.split (builtins.replaceStrings [ "." "+" "*" "?" "(" ")" "[" "]" "|" "^" "$" "\\" ] [ "\\." "\\+" "\\*" "\\?" "\\(" "\\)" "\\[" "\\]" "\\|" "\\^" "\\$" "\\\\" ] sep) s);
  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  hasPrefix = p: s: builtins.substring 0 (builtins.stringLength p) s == p;
  hasSuffix = p: s: let ls = builtins.stringLength s; lp = builtins.stringLength p; in ls >= lp && builtins.substring (ls - lp) lp s == p;
  removePrefix = p: s: if hasPrefix p s then builtins.substring (builtins.stringLength p) (-1) s else s;
  escapeShellArg = a: let s = toString a; in if match "[[:alnum:],._+:@%/=-]+" s != null then s else "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] s}'";
  nameValuePair = name: value: { inherit name value; };
  mapAttrsToList = f: s: map (n: f n s.${n}) (attrNames s);
  filterAttrs = p: s: listToAttrs (concatMap (n: if p n s.${n} then [{ name = n; value = s.${n}; }] else [ ]) (attrNames s));
  optional = c: x: if c then [ x ] else [ ];
  optionals = c: xs: if c then xs else [ ];
  optionalString = c: s: if c then s else "";
  optionalAttrs = c: s: if c then s else { };
  makeSearchPath = sub: ps: concatStringsSep ":" (map (p: "${toString p}/${sub}") ps);
  getExe = d: "${d}/bin/${d.meta.mainProgram or d.pname or d.name}";
  getExe' = d: b: "${d}/bin/${b}";

  lib = {
    inherit mkIf mkMerge mkOverride mkOptionDefault mkDefault mkForce mkOrder mkBefore mkAfter;
    inherit mkOption mkEnableOption mkPackageOption literalExpression literalMD types evalModules isOption;
    inherit attrByPath getAttrFromPath setAttrByPath splitString unique hasPrefix hasSuffix removePrefix escapeShellArg
      nameValuePair mapAttrsToList filterAttrs optional optionals optionalString optionalAttrs makeSearchPath getExe getExe' isDerivation;
    inherit (builtins) all any attrNames attrValues concatLists concatMap concatStringsSep elem elemAt filter foldl' head
      isAttrs isBool isFunction isInt isList isString length listToAttrs map mapAttrs match replaceStrings
      tail toJSON genList;
    mapAttrs' = f: s: listToAttrs (map (n: f n s.${n}) (attrNames s));
    concatMapStringsSep = sep: f: l: concatStringsSep sep (map f l);
    concatMapStrings = f: l: concatStringsSep "" (map f l);
    concatMapAttrs = f: s: foldl' (a: b: a // b) { } (map (n: f n s.${n}) (attrNames s));
    genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
    flatten = x: if isList x then concatMap lib.flatten x else [ x ];
    recursiveUpdate = a: b: a // mapAttrs (n: v: if isAttrs v && isAttrs (a.${n} or null) then lib.recursiveUpdate a.${n} v else v) b;
    escapeShellArgs = l: concatStringsSep " " (map escapeShellArg l);
    makeBinPath = makeSearchPath "bin";
    makeLibraryPath = makeSearchPath "lib";
    strings = { inherit hasPrefix hasSuffix; };
    lists = { inherit unique; };
    attrsets = { inherit attrByPath mapAttrsToList; };
    modules = { importApply = path: arg: import path arg; };
    trivial = { };
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    platforms = { linux = [ "x86_64-linux" "aarch64-linux" ]; };
    licenses = { gpl2Only = { spdxId = "GPL-2.0-only"; }; gpl2Plus = { spdxId = "GPL-2.0-or-later"; }; asl20 = { spdxId = "Apache-2.0"; }; mit = { spdxId = "MIT"; }; };
    maintainers = { };
    fileset = {
      toSource = { root, fileset }: { _type = "fileset-source"; outPath = toString root; inherit root fileset; };
      unions = l: { _type = "fileset"; union = l; };
      fileFilter = f: root: { _type = "fileset"; inherit root; };
      maybeMissing = p: p;
      difference = a: b: { _type = "fileset"; inherit a b; };
    };
    versionAtLeast = v: w: builtins.compareVersions v w >= 0;
    toUpper = builtins.replaceStrings [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ]
      [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ];
    # Marks this lib as the stub (nixpkgs.nix evaluates NixOS systems differently on nixpkgs' lib).
    isKbootStub = true;
  };
in
lib
