import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { defineProvider, type AnyProvider, type ProviderPaths } from '../sdk/types.js';
import { runOperation } from './operation.js';
import { Registry } from './registry.js';

const paths: ProviderPaths = { osDir: '/x', configDir: '/x', shareDir: '/x', cacheDir: '/x' };
const env = {
  OS_API_VERSION: '20',
  OS_NAME: 'bare',
  OS_VARIANT: '',
  INSTANCE_NAME: 'inst1.example.org',
  INSTANCE_OS: 'bare',
  DISK_COUNT: '1',
  DISK_0_PATH: '/dev/null',
  DISK_0_ACCESS: 'rw',
  DISK_0_SIZE: '32',
  DISK_0_UUID: 'u0',
  NIC_COUNT: '0',
  EXPORT_DEVICE: '/dev/null',
  EXPORT_INDEX: '0',
  IMPORT_DEVICE: '/dev/null',
  IMPORT_INDEX: '0',
  OLD_INSTANCE_NAME: 'old.example.org',
};

/** A provider with none of the four operations. */
const bare = defineProvider({ name: 'bare', description: 'implements nothing', params: {} });

type Op = 'create' | 'export' | 'import' | 'rename';

/** What runOperation throws, or undefined when it succeeds. */
async function failure(
  provider: AnyProvider,
  script: Op,
  extra: Record<string, string | undefined> = {},
): Promise<unknown> {
  try {
    await runOperation({
      provider,
      script,
      env: { ...env, ...extra },
      paths,
      log: new Logger('info', new MemorySink()),
    });
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('runOperation: operations a provider leaves out', () => {
  it.each(['create', 'export', 'import', 'rename'] as const)(
    'answers %s with E_UNSUPPORTED and a hint',
    async (op) => {
      const e = await failure(bare, op);
      expect(isOsError(e) && e.code).toBe('E_UNSUPPORTED');
      expect((e as Error).message).toBe(`bare does not support ${op}`);
    },
  );

  it('names the provider for create and noop for moving disks', async () => {
    const hintOf = async (op: Op): Promise<string> =>
      ((await failure(bare, op)) as { hint?: string }).hint ?? '';
    expect(await hintOf('create')).toMatch(/the bare provider/);
    expect(await hintOf('export')).toMatch(/noop/);
    expect(await hintOf('import')).toMatch(/noop/);
  });

  it('does nothing for an operation declared in noOp', async () => {
    const quiet = defineProvider({
      name: 'bare',
      description: 'nothing to do',
      params: {},
      noOp: ['create', 'rename'],
    });
    expect(await failure(quiet, 'create')).toBeUndefined();
    expect(isOsError(await failure(quiet, 'export'))).toBe(true);
  });

  it('still checks the environment first', async () => {
    const e = await failure(bare, 'export', { EXPORT_DEVICE: undefined });
    expect(isOsError(e) && e.code).toBe('E_ENV');
  });
});

describe('Registry: a provider module', () => {
  const load = (mod: unknown): Promise<AnyProvider> =>
    new Registry({ x: () => Promise.resolve({ default: mod as AnyProvider }) }).load('x');

  it('needs none of the four operations', async () => {
    await expect(load(bare)).resolves.toBe(bare);
  });

  it('is refused when an operation is not a function', async () => {
    await expect(load({ ...bare, export: 'yes' })).rejects.toThrow(/export must be a function/);
  });
});
