import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The SDK as providers import it (tsconfig.json `paths`; esbuild reads those itself). */
const sdkAlias = {
  'ganeti-os/sdk/linux': fileURLToPath(new URL('./src/sdk/linux.ts', import.meta.url)),
  'ganeti-os/sdk': fileURLToPath(new URL('./src/sdk/index.ts', import.meta.url)),
};

/**
 * Three projects:
 *  - unit: pure logic, runs anywhere, in parallel.
 *  - system: needs root and the host tools (loop devices, sfdisk, mkfs, debootstrap, qemu, Ganeti);
 *    files run one after another because they share loop devices, /srv/ganeti/os and the Ganeti harness.
 *  - guix-real: the guix provider against a real guix (test/integration/guix-real/).
 */
export default defineConfig({
  resolve: { alias: sdkAlias },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'providers/**/*.test.ts',
            'hooks/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
          pool: 'forks',
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          globalSetup: ['test/helpers/global-setup.ts'],
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/boot/**/*.test.ts'],
          exclude: ['test/integration/guix-real/**'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
      {
        // A real guix in the root scripts/guix-chroot.sh builds (root only; skipped without it):
        // one guix-daemon session per file, evaluations one after another; no bundle needed.
        extends: true,
        test: {
          name: 'guix-real',
          include: ['test/integration/guix-real/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
