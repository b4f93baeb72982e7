# NixOS module: the developer's account on a guest or controller: a normal user in wheel, with
# sudo without a password and the SSH keys given (libvirt guests are reached over SSH too).
#
#   kboot.user = { enable = true; name = "dev"; authorizedKeys = [ "ssh-ed25519 AAAA..." ]; };
{ config, lib, ... }:
let
  cfg = config.kboot.user;
in
{
  options.kboot.user = {
    enable = lib.mkEnableOption "a developer account";
    name = lib.mkOption { type = lib.types.str; default = "kboot"; description = "The user's login name."; };
    uid = lib.mkOption { type = lib.types.ints.positive; default = 1000; description = "The user's uid (match the host's to share files)."; };
    extraGroups = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "wheel" ];
      description = "Groups besides the user's own (the controller profile adds kvm and libvirtd).";
    };
    authorizedKeys = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "SSH public keys allowed to log in as the user; any enables sshd.";
    };
    hashedPassword = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      description = "The password hash (mkpasswd -m sha-512); null: no password login.";
    };
    passwordlessSudo = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Let the user run any command with sudo without a password.";
    };
  };

  config = lib.mkIf cfg.enable {
    users.users.${cfg.name} = {
      isNormalUser = true;
      inherit (cfg) uid extraGroups hashedPassword;
      description = "kboot developer";
      openssh.authorizedKeys.keys = cfg.authorizedKeys;
    };
    security.sudo.extraRules = lib.mkIf cfg.passwordlessSudo [{
      users = [ cfg.name ];
      commands = [{ command = "ALL"; options = [ "NOPASSWD" ]; }];
    }];
    services.openssh.enable = lib.mkIf (cfg.authorizedKeys != [ ]) (lib.mkDefault true);
  };
}
