# NixOS profile: per-run monitoring as systemd template units, writing JSON into kboot's
# writable share, where it reaches the host as it is written and survives a crash.
#
#   systemctl start kboot-monitor@RUN     samples /proc/meminfo every `interval` seconds
#   systemctl stop kboot-monitor@RUN      ... then collects, as kboot-collect@RUN does:
#   systemctl start kboot-collect@RUN     the kernel log, the journal since RUN began and the
#                                         suites' logs (each descriptor's `logs`)
#
# Everything goes to DIRECTORY/RUN/ (default /run/kboot/xfer/monitoring, on the share kboot
# attaches as `kboot-xfer`; on the host that is the run's transfer directory):
#   started             start time, seconds since the epoch
#   meminfo.jsonl       one {"time": s, "meminfo": {"MemTotal": kB, ...}} per sample
#   dmesg.json          the kernel log (dmesg --json)
#   journal.jsonl       the journal since the start (journalctl -o json)
#   logs/SUITE/...      copies of the suites' log paths; logs.json lists them per suite
#   run.json            {"run", "kernel", "host", "started", "finished"}
# RUN is any systemd instance name (a run id, a suite name). A command-suite profile can start
# and stop them around its tests.
{ config, lib, pkgs, ... }:
let
  cfg = config.kboot.profiles.monitoring;
  suites = import ../nix/lib/suites.nix;

  monitor = pkgs.writeShellApplication {
    name = "kboot-monitor";
    runtimeInputs = [ pkgs.coreutils pkgs.jq pkgs.util-linux pkgs.systemd pkgs.findutils ];
    text = ''
      # kboot-monitor sample|collect RUN (the profile's units call it)
      mode=$1 run=$2
      out=${lib.escapeShellArg cfg.directory}/$run
      mkdir -p "$out"
      case "$mode" in
        sample)
          date +%s > "$out/started"
          while :; do
            jq -cRn --arg t "$(date +%s.%N)" \
              '{time: ($t | tonumber), meminfo: ([inputs | capture("^(?<k>[^:]+):\\s+(?<v>[0-9]+)") | {(.k): (.v | tonumber)}] | add)}' \
              < /proc/meminfo >> "$out/meminfo.jsonl"
            sleep ${toString cfg.interval}
          done
          ;;
        collect)
          started=$(cat "$out/started" 2>/dev/null || echo 0)
          dmesg --json > "$out/dmesg.json.tmp" && mv "$out/dmesg.json.tmp" "$out/dmesg.json"
          journalctl --no-pager -o json --since "@$started" > "$out/journal.jsonl" || true
          echo '{}' > "$out/logs.json"
          for d in ${suites.directory}/*.json; do
            [ -e "$d" ] || continue
            suite=$(jq -r .suite "$d")
            jq -r '.logs[]?' "$d" | while read -r p; do
              [ -e "$p" ] || continue
              mkdir -p "$out/logs/$suite"
              cp -a --dereference "$p" "$out/logs/$suite/"
              jq --arg s "$suite" --arg p "$p" '.[$s] += [$p]' "$out/logs.json" > "$out/logs.json.tmp"
              mv "$out/logs.json.tmp" "$out/logs.json"
            done
          done
          jq -n --arg run "$run" --arg kernel "$(uname -r)" --arg host "$(uname -n)" \
            --argjson started "$started" --argjson finished "$(date +%s)" \
            '{run: $run, kernel: $kernel, host: $host, started: $started, finished: $finished}' > "$out/run.json"
          ;;
        *) echo "usage: kboot-monitor sample|collect RUN" >&2; exit 64 ;;
      esac
    '';
  };
in
{
  imports = [ ../nix/modules/mounts/shares.nix ];

  options.kboot.profiles.monitoring = {
    enable = lib.mkEnableOption "per-run monitoring units (kboot-monitor@RUN, kboot-collect@RUN) writing JSON to kboot's writable share";
    directory = lib.mkOption {
      type = lib.types.str;
      default = "/run/kboot/xfer/monitoring";
      description = "Where each run's directory is made; the default is on kboot's writable share (tag kboot-xfer).";
    };
    interval = lib.mkOption {
      type = lib.types.ints.positive;
      default = 5;
      description = "Seconds between two /proc/meminfo samples.";
    };
  };

  config = lib.mkIf cfg.enable {
    # The share kboot attaches for `kboot test` and the Java API (Guest.XFER_MOUNT in the launcher;
    # not for `run -- CMD` or `shell`, which copy no files: nofail, the mount is then skipped).
    kboot.mounts.shares = lib.mkIf (lib.hasPrefix "/run/kboot/xfer/" cfg.directory) {
      kboot-xfer = { mountPoint = "/run/kboot/xfer"; readOnly = false; };
    };

    environment.systemPackages = [ monitor ];

    systemd.services."kboot-monitor@" = {
      description = "kboot monitoring of run %i";
      unitConfig.RequiresMountsFor = cfg.directory;
      serviceConfig = {
        ExecStart = "${lib.getExe monitor} sample %i";
        ExecStopPost = "${lib.getExe monitor} collect %i";
      };
    };
    systemd.services."kboot-collect@" = {
      description = "kboot collection of run %i's logs";
      unitConfig.RequiresMountsFor = cfg.directory;
      serviceConfig = {
        Type = "oneshot";
        ExecStart = "${lib.getExe monitor} collect %i";
      };
    };
  };
}
