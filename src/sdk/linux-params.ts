/**
 * OS parameters that Linux providers share, declared once: the root filesystem, the root password,
 * an ssh key and cloud-init user data. A provider spreads the ones it honours into its `params`.
 */
import { ROOT_FS_VALUES, SSH_KEY_PATTERN } from '../linux/schema.js';
import { param } from './params.js';

/** The root filesystem; `description` says when the provider uses it. */
export const filesystemParam = (description: string) =>
  param.string({
    description,
    pattern: new RegExp(`^(${ROOT_FS_VALUES.join('|')})$`),
    patternText: `one of ${ROOT_FS_VALUES.join(', ')}`,
  });

export const rootPasswordParam = param.string({
  description: 'root password for the guest (private; stored hashed, never logged)',
  private: true,
  maxLength: 512,
});

export const sshKeyParam = param.string({
  description: "an ssh public key added to root's authorized_keys",
  pattern: SSH_KEY_PATTERN,
  patternText: 'an ssh public key (type base64 [comment])',
});

/** cloud-init user data (private); `description` says what writes it into the guest. */
export const cloudUserdataParam = (description: string) =>
  param.string({
    description,
    private: true,
    pattern: /^(base64:[A-Za-z0-9+/=\s]+|#[\s\S]*|Content-Type:[\s\S]*)$/,
    patternText:
      'cloud-init user data starting with #cloud-config, #! or another # header, or Content-Type: (MIME), or base64:<data>',
    maxLength: 65536,
  });
