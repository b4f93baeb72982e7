# NixOS module: start the kboot guest agent when kboot attached its port.
#
#   imports = [ kboot.nixosModules.kboot-agent ];
#   services.kboot-agent.enable = true;
#
# kboot attaches a virtio-serial port named org.kboot.agent when it will run commands
# (`kboot run RESULT -- CMD`, `kboot shell`, `kboot test`); udev names it
# /dev/virtio-ports/org.kboot.agent. Without the port (a plain `kboot run`), the service does not start.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.kboot-agent;
  port = "/dev/virtio-ports/org.kboot.agent";
in
{
  options.services.kboot-agent = {
    enable = lib.mkEnableOption "the kboot guest agent";
    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../pkgs/kboot-agent.nix { };
      defaultText = lib.literalExpression "pkgs.callPackage ./nix/pkgs/kboot-agent.nix { }";
      description = "The kboot-agent package.";
    };
  };

  config = lib.mkIf cfg.enable {
    boot.initrd.availableKernelModules = [ "virtio_console" ];
    boot.kernelModules = [ "virtio_console" ];
    systemd.services.kboot-agent = {
      description = "kboot guest agent";
      wantedBy = [ "multi-user.target" ];
      # Start as soon as the port appears, not after the whole boot: kboot is waiting.
      after = [ "systemd-udev-settle.service" ];
      unitConfig.ConditionPathExists = port;
      unitConfig.DefaultDependencies = false;
      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} ${port}";
        Restart = "always";
        RestartSec = "100ms";
        # Commands run as root, with the system's PATH.
        Environment = [ "PATH=/run/wrappers/bin:/run/current-system/sw/bin" ];
      };
    };
  };
}
