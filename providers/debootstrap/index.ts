/**
 * debootstrap: Debian guests bootstrapped with debootstrap or mmdebstrap onto a partitioned,
 * bootable disk; a drop-in replacement for ganeti-instance-debootstrap (same config files, same
 * `filesystem` parameter, same hook variables). This module stays light: `verify` reads the
 * parameter specs from the manifest, and each operation imports its own module.
 */
import { defineProvider } from '../../src/sdk/types.js';
import { param } from '../../src/sdk/params.js';
import { debootstrapLegacyMapping } from './legacy.js';
import { debootstrapSchema } from './schema.js';

export default defineProvider({
  name: 'debootstrap',
  description: 'Debian guests bootstrapped with debootstrap or mmdebstrap',
  params: {
    filesystem: param.string({
      description: 'root filesystem: ext2, ext3, ext4, xfs or btrfs (default: the variant\'s, ext4)',
      pattern: /^(ext2|ext3|ext4|xfs|btrfs)$/,
      patternText: 'one of ext2, ext3, ext4, xfs, btrfs',
    }),
    'root-password': param.string({
      description: 'root password for the guest (private; stored hashed, never logged)',
      private: true,
      maxLength: 512,
    }),
    'ssh-key': param.string({
      description: "an ssh public key added to root's authorized_keys",
      pattern: /^(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\n]*)?$/,
      patternText: 'an ssh public key (type base64 [comment])',
    }),
  },
  variantConfig: { schema: debootstrapSchema, legacy: debootstrapLegacyMapping },
  async variants({ paths, log }) {
    const { publishedVariants } = await import('./config.js');
    return publishedVariants(paths, log);
  },
  async warmCache(ctx) {
    const { warmCache } = await import('./create.js');
    return warmCache(ctx);
  },
  async create(ctx) {
    const { create } = await import('./create.js');
    await create(ctx);
  },
  async export(ctx) {
    const { exportDisk } = await import('./export.js');
    await exportDisk(ctx);
  },
  async import(ctx) {
    const { importDisk } = await import('./import.js');
    await importDisk(ctx);
  },
  async rename(ctx) {
    const { rename } = await import('./rename.js');
    await rename(ctx);
  },
});
