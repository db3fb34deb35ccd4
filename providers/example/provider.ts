/**
 * golden: a worked example of a provider on the shared Linux pipeline (README "Writing a
 * provider"). A variant names a golden root tree, a directory on the node holding a whole guest
 * (kernel included); create copies it onto disk 0 with rsync, and the pipeline does the rest:
 * partitions and filesystems, hostname, network for every NIC, fresh machine-id and ssh host keys,
 * hooks, GRUB, and export, import and rename. Install it with
 *   ganeti-os install --provider providers/example/provider.ts
 * put `source: /srv/golden/bookworm` in /etc/ganeti/instance-golden/variants/default.yaml, run
 * `ganeti-os variants sync golden`, and use `gnt-instance add -o golden+default ...`.
 */
import {
  BOOT_KEYS,
  defineLinuxProvider,
  defineSchema,
  DISK_KEYS,
  GUEST_KEYS,
  HOOK_KEYS,
  type KeySpec,
} from 'ganeti-os/sdk';

const GOLDEN_KEYS = [
  {
    name: 'source',
    type: 'path',
    default: '',
    description: 'the golden root tree to copy (a directory on the node)',
  },
] as const satisfies readonly KeySpec[];

export const goldenKeys = [...GOLDEN_KEYS, ...DISK_KEYS, ...BOOT_KEYS, ...GUEST_KEYS, ...HOOK_KEYS] as const;
export const goldenSchema = defineSchema('golden', goldenKeys);

export default defineLinuxProvider({
  name: 'golden',
  description: 'guests copied from a golden root tree with rsync',
  params: {},
  variantConfig: { schema: goldenSchema },
  // Loaded only when Ganeti runs an operation, with the pipeline: `verify` stays cheap.
  installer: () => import('./installer.js').then((m) => m.default),
});
