/**
 * debootstrap: Debian guests bootstrapped with debootstrap or mmdebstrap onto a partitioned,
 * bootable disk; a drop-in replacement for ganeti-instance-debootstrap (same config files, same
 * `filesystem` parameter, same hook variables). Everything after bootstrapping (disk, guest
 * configuration, hooks, GRUB, export, import, rename) is the shared Linux pipeline's; this module
 * stays light: `verify` reads the parameter specs from the manifest, and the installer is loaded
 * only when an operation runs.
 */
import {
  cloudUserdataParam,
  defineLinuxProvider,
  filesystemParam,
  param,
  rootPasswordParam,
  sshKeyParam,
} from 'ganeti-os/sdk';
import { debootstrapLegacyMapping } from './legacy.js';
import { debootstrapSchema } from './schema.js';

export default defineLinuxProvider({
  name: 'debootstrap',
  description: 'Debian guests bootstrapped with debootstrap or mmdebstrap',
  params: {
    filesystem: filesystemParam(
      "root filesystem: ext2, ext3, ext4, xfs or btrfs (default: the variant's, ext4)",
    ),
    'root-password': rootPasswordParam,
    'ssh-key': sshKeyParam,
    // Read by the stock hooks (hooks/README.md), which act only where they are installed.
    timezone: param.string({
      description: 'time zone of the guest, e.g. Europe/Berlin (stock hook timezone)',
      pattern: /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/,
      patternText: 'a tz database name such as Europe/Berlin or Etc/UTC',
      maxLength: 64,
    }),
    'ssh-authorized-keys': param.string({
      description:
        "ssh public keys for root's authorized_keys, one per line (stock hooks ssh-authorized-keys, cloud-init-nocloud)",
      // the lines the hook accepts: type base64 [comment], blank lines between them
      pattern:
        /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+=*( [^\n]*)?(\n+(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+=*( [^\n]*)?)*\n*$/,
      patternText: 'ssh public keys (type base64 [comment]), one per line',
      maxLength: 65536,
    }),
    'root-password-hash': param.string({
      description: "root's password as a crypt hash ($6$..., $y$...) (private; stock hook default-passwords)",
      private: true,
      pattern: /^\$(1|5|6|y|2[aby]|7)\$[./A-Za-z0-9$=,]+$/,
      patternText: 'a crypt(3) hash such as $6$salt$hash or $y$...',
      maxLength: 512,
    }),
    'cloud-userdata': cloudUserdataParam(
      'cloud-init user data, text or base64:<data> (private; stock hook cloud-init-nocloud)',
    ),
    'dns-nameservers': param.list({
      description:
        'DNS servers for the guest, IPv4 or IPv6, space or comma separated (stock hook cloud-init-nocloud)',
      itemPattern:
        /^(((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)$/,
    }),
  },
  variantConfig: { schema: debootstrapSchema, legacy: debootstrapLegacyMapping },
  installer: () => import('./installer.js').then((m) => m.default),
  cache: true,
});
