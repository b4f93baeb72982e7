# Shared by testsuites/*.nix (imported by each; NixOS imports it once): what suites written for
# FHS distributions expect of a system, applied when any kboot test suite is enabled.
{ config, lib, pkgs, ... }:
let
  s = config.kboot.testSuites;
  enabled = lib.any (n: s.${n}.enable or false) [ "fstests" "blktests" "selftests" "ltp" ];
in
{
  config = lib.mkIf enabled {
    # Scripts that name their interpreter by path (#!/bin/bash; fstests' /usr/bin/awk).
    systemd.tmpfiles.settings."10-kboot-testsuites" = {
      "/bin/bash"."L+".argument = "${pkgs.bash}/bin/bash";
      "/usr/bin/awk"."L+".argument = "${pkgs.gawk}/bin/awk";
    };
    # Users and groups every FHS system has and fstests and LTP use by name.
    users.users.bin = { isSystemUser = true; group = "bin"; };
    users.users.daemon = { isSystemUser = true; group = "daemon"; };
    users.groups.bin = { };
    users.groups.daemon = { };
  };
}
