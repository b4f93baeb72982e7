# NixOS module: the kboot guest agent (agent/kboot-agent.c), which runs kboot's commands in the
# guest. kboot attaches a virtio-serial port named org.kboot.agent when it will run commands
# (`kboot run RESULT -- CMD`, `kboot shell`, `kboot test`, libvirt domains defined by kboot);
# udev names it /dev/virtio-ports/org.kboot.agent. The service is bound to that port: it starts
# when the port appears and stops when it goes. A plain `kboot run` attaches no port, so nothing
# starts and nothing waits.
#
#   imports = [ kboot.nixosModules.kbootAgent ];
#   services.kboot-agent.enable = true;
#
# The backends (nix/modules/backends/) enable it by default.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.kboot-agent;
  # QemuSpec.AGENT_PORT in the launcher; the libvirt backend's <channel> target uses it too.
  portName = "org.kboot.agent";
  device = "/dev/virtio-ports/${portName}";
  # systemd's name for that device (systemd-escape --path).
  deviceUnit = "dev-virtio\\x2dports-org.kboot.agent.device";
in
{
  options.services.kboot-agent = {
    enable = lib.mkEnableOption "the kboot guest agent, which runs kboot's commands on the org.kboot.agent virtio-serial port";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../pkgs/kboot-agent.nix { };
      defaultText = lib.literalExpression "pkgs.callPackage ./nix/pkgs/kboot-agent.nix { }";
      description = "The kboot-agent package.";
    };

    path = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "/run/wrappers/bin" "/run/current-system/sw/bin" "/nix/var/nix/profiles/default/bin" ];
      description = ''
        The PATH kboot's commands run with: the system's, as a root login shell has it (suites
        find their tools in environment.systemPackages).
      '';
    };

    environment = lib.mkOption {
      type = lib.types.attrsOf lib.types.str;
      default = { };
      example = { TMPDIR = "/var/tmp"; };
      description = "Extra environment variables for kboot's commands.";
    };
  };

  config = lib.mkIf cfg.enable {
    # virtio-serial ports need virtio_console (built in on kernels made for kboot; a module on
    # the closure's own kernel).
    boot.initrd.availableKernelModules = [ "virtio_console" ];
    boot.kernelModules = [ "virtio_console" ];

    # The port becomes a systemd device unit that pulls the agent in.
    services.udev.extraRules = ''
      SUBSYSTEM=="virtio-ports", ATTR{name}=="${portName}", TAG+="systemd", ENV{SYSTEMD_WANTS}+="kboot-agent.service"
    '';

    systemd.services.kboot-agent = {
      description = "kboot guest agent on ${device}";
      bindsTo = [ deviceUnit ];
      after = [ deviceUnit ];
      # Default dependencies: after basic.target, so local filesystems, tmpfiles and udev's
      # coldplug are done before kboot's first command; no wantedBy: only the port starts it.
      environment = {
        PATH = lib.mkForce (lib.concatStringsSep ":" cfg.path);
        HOME = "/root";
      } // cfg.environment;
      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} ${device}";
        Restart = "always";
        RestartSec = "100ms";
        # Tests run as the agent's children, in its cgroup. systemd's default OOMPolicy=stop
        # would stop the whole unit, agent included, when the kernel OOM-kills one of them (LTP
        # and fstests have OOM tests); a unit's TasksMax would cap fork-heavy tests below root's
        # limits. (The agent's own oom_score_adj is inherited by its children, so it is left be.)
        OOMPolicy = "continue";
        TasksMax = "infinity";
      };
    };
  };
}
