import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { defaultsOf, type InstanceInfo } from 'ganeti-os/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { instanceFacts, renderInstanceData } from './instance-data.js';
import { guixLayout, luksName, rootEncryption } from './plan.js';
import { verifyGuixTree } from './restore.js';
import { guixSchema, guixVariant } from './schema.js';
import { diskFacts } from './tree.js';

const SECRET = 'correct horse (battery) "staple"';
const ROOT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const LUKS = '22222222-3333-4444-8555-666666666666';

function instance(name: string): InstanceInfo {
  return {
    name,
    hypervisor: 'kvm',
    hv: {},
    be: {},
    nics: [],
    disks: [],
  } as unknown as InstanceInfo;
}

describe('encrypted root planning', () => {
  it('names the mapping gnt_<short name>_<hash>: no `-` to double, distinct per full name', () => {
    const a = luksName('create-lvm-luks.example.org');
    expect(a).toMatch(/^gnt_create_lvm_luks_[0-9a-f]{8}$/);
    expect(luksName('create-lvm-luks.example.com')).not.toBe(a);
    expect(luksName('create-lvm-luks.example.org')).toBe(a);
    expect(luksName('a'.repeat(63))).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);
  });

  it('puts the encryption in the layout with the passphrase behind a function only', () => {
    const enc = rootEncryption('web1.example.org', SECRET)!;
    expect(enc.name).toBe(luksName('web1.example.org'));
    expect(enc.passphrase()).toBe(SECRET);
    const layout = guixLayout(guixVariant(defaultsOf(guixSchema)), enc);
    expect(layout.encryption).toBe(enc);
    expect(JSON.stringify(layout)).not.toContain('horse');
    expect(inspect(layout, { depth: 9 })).not.toContain('horse');
    expect(rootEncryption('web1', undefined)).toBeUndefined();
    expect(rootEncryption('web1', '')).toBeUndefined();
    expect(guixLayout(guixVariant(defaultsOf(guixSchema))).encryption).toBeUndefined();
  });

  it('the instance data names the LUKS container and the mapping the guest opens', () => {
    const name = luksName('web1');
    const disk = diskFacts([{ fstype: 'ext4', uuid: ROOT, root: true }], 'plain', { uuid: LUKS, name });
    const data = renderInstanceData(instanceFacts({ instance: instance('web1'), disk, firmware: 'bios' }));
    expect(data).toContain(`(define ganeti-luks-uuid "${LUKS}")`);
    expect(data).toContain(`(define ganeti-luks-name "${name}")`);
    // The root filesystem keeps its own UUID (inside the container).
    expect(data).toContain(`(define ganeti-root-uuid "${ROOT}")`);
    const plain = renderInstanceData(
      instanceFacts({ instance: instance('web1'), disk: { ...disk, luks: undefined }, firmware: 'bios' }),
    );
    expect(plain).toContain('(define ganeti-luks-uuid #f)');
  });

  it('refuses a mapping name with `-` or anything a guest could not wait for', () => {
    for (const name of ['ganeti-root', 'a b', '") (x', '']) {
      const disk = diskFacts([{ fstype: 'ext4', uuid: ROOT, root: true }], 'plain', { uuid: LUKS, name });
      expect(() => instanceFacts({ instance: instance('web1'), disk, firmware: 'bios' }), name).toThrow(
        /not a plain device-mapper name/,
      );
    }
  });
});

describe('import of a guix file stream and encryption', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  function tree(luks: boolean): string {
    dir = mkdtempSync(join(tmpdir(), 'gos-guix-tree-'));
    mkdirSync(join(dir, 'etc/ganeti-os'), { recursive: true });
    const disk = diskFacts(
      [{ fstype: 'ext4', uuid: ROOT, root: true }],
      'plain',
      luks ? { uuid: LUKS, name: luksName('old') } : undefined,
    );
    writeFileSync(
      join(dir, 'etc/ganeti-os/instance-data.scm'),
      renderInstanceData(instanceFacts({ instance: instance('old'), disk, firmware: 'bios' })),
    );
    return dir;
  }

  it('accepts an unencrypted system imported unencrypted', async () => {
    await expect(verifyGuixTree(tree(false), false)).resolves.toBeUndefined();
  });
  it('refuses luks_passphrase at import with one line: import does not encrypt', async () => {
    const err = await verifyGuixTree(tree(false), true).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_UNSUPPORTED' });
    expect((err as Error).message).toMatch(/^luks_passphrase is set, but import does not encrypt/);
  });
  it('refuses the files of a system installed encrypted (its boot files need the container)', async () => {
    await expect(verifyGuixTree(tree(true), false)).rejects.toThrow(/installed on an encrypted root/);
  });
  it('refuses a tree without instance data', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gos-guix-tree-'));
    await expect(verifyGuixTree(dir, false)).rejects.toMatchObject({ code: 'E_IMPORT_TREE' });
  });
});
