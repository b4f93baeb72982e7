# For evaluating with nixpkgs' own lib (see ../nixpkgs.nix): NixOS's options, as free-form as the
# stub module system makes them: attrsets merge by name, lists concatenate, other values must
# agree (base.nix declares the few whose merging differs).
{ lib, ... }:
let
  freeform = lib.mkOptionType {
    name = "freeform";
    merge = loc: defs:
      let values = map (d: d.value) defs;
      in
      if lib.all builtins.isList values then lib.concatLists values
      else if lib.all (v: builtins.isAttrs v && !lib.isDerivation v) values then (lib.types.attrsOf freeform).merge loc defs
      else lib.mergeEqualOption loc defs;
  };
in
{
  freeformType = lib.types.lazyAttrsOf freeform;
}
