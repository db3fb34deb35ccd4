/**
 * Two admins' providers whose files share a name (`a/provider.ts`, `b/provider.ts`) install side by
 * side: each OS runs its own code (they used to be bundled to the same file, so the second one
 * installed ran for both).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOsScript } from '../../helpers/scripts.js';

const cli = join(process.cwd(), 'dist/ganeti-os.mjs');
let work = '';

const providerSource = (name: string): string => `
import { writeFileSync } from 'node:fs';
import { defineProvider, param } from 'ganeti-os/sdk';
export default defineProvider({
  name: '${name}',
  description: 'writes its own name',
  params: { out: param.string({ description: 'file to write' }) },
  create({ params }) {
    writeFileSync(params.out ?? '/dev/null', '${name}');
    return Promise.resolve();
  },
});
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gos-custom-'));
  for (const [dir, name] of [
    ['a', 'motd-a'],
    ['b', 'motd-b'],
  ] as const) {
    mkdirSync(join(work, dir));
    writeFileSync(join(work, dir, 'provider.ts'), providerSource(name));
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('custom providers with the same file name', () => {
  it('are bundled apart, and each OS runs its own create', async () => {
    const osDir = join(work, 'os');
    for (const dir of ['a', 'b']) {
      execFileSync(
        process.execPath,
        [
          cli,
          'install',
          '--os-dir',
          osDir,
          '--lib-dir',
          join(work, 'lib'),
          '--search-path',
          osDir,
          '--config-root',
          join(work, 'etc'),
          '--provider',
          join(work, dir, 'provider.ts'),
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    }
    const modules = ['motd-a', 'motd-b'].map(
      (os) =>
        (JSON.parse(readFileSync(join(osDir, os, 'ganeti-os.json'), 'utf8')) as { module: string }).module,
    );
    expect(new Set(modules).size).toBe(2);
    for (const os of ['motd-a', 'motd-b']) {
      const out = join(work, `${os}.out`);
      const r = await runOsScript(join(osDir, os), 'create', {
        OS_API_VERSION: '20',
        OS_NAME: os,
        OS_VARIANT: '',
        OSP_OUT: out,
        INSTANCE_NAME: 'inst1.example.org',
        INSTANCE_OS: os,
        DISK_COUNT: '0',
        NIC_COUNT: '0',
      });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(os);
    }
  });
});
