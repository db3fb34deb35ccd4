import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 *  - unit: pure logic, runs anywhere, in parallel.
 *  - system: needs root and the host tools (loop devices, sfdisk, mkfs, debootstrap, qemu, Ganeti);
 *    files run one after another because they share loop devices, /srv/ganeti/os and the Ganeti harness.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'providers/**/*.test.ts', 'hooks/**/*.test.ts', 'test/unit/**/*.test.ts'],
          pool: 'forks',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'system',
          globalSetup: ['test/helpers/global-setup.ts'],
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/boot/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
