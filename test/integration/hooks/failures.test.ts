/**
 * Hooks that fail, hang, leave processes behind or cannot run: each fails the run cleanly, with a
 * clear error, and leaves nothing behind (no process, no mount, no temp dir).
 */
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildHookEnv, discoverHooks, runHooks, type HookPlan } from '../../../src/hooks/index.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { isOsError, type OsError } from '../../../src/runtime/errors.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { ensureMinbaseTar, extractGuest, isRoot, scratch, teardown } from './guest.js';

let dir: string;
let target: string;
let hooksDir: string;
let hooksTmp: string;
let token: string;

function hook(name: string, body: string, mode = 0o755): void {
  const file = path.join(hooksDir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, body);
  chmodSync(file, mode);
}

async function run(plan: HookPlan, opts: { timeoutSec?: number } = {}) {
  const sink = new MemorySink();
  const log = new Logger('info', sink);
  const stack = new CleanupStack(log);
  const env = buildHookEnv({
    ganetiVars: { INSTANCE_NAME: 'vm1' },
    nics: [],
    phase: 'post-config',
    os: 'debootstrap',
    variant: 'default',
    target,
  });
  let error: OsError | undefined;
  try {
    await runHooks(plan, 'post-config', {
      env,
      target,
      log,
      stack,
      tmpDir: hooksTmp,
      killGraceMs: 500,
      ...opts,
    });
  } catch (e) {
    if (!isOsError(e)) throw e;
    error = e;
  }
  expect(stack.size).toBe(0);
  await stack.unwind();
  return { error, lines: sink.lines };
}

beforeAll(() => {
  if (isRoot) ensureMinbaseTar();
});

beforeEach(() => {
  dir = scratch('gos-hookfail-');
  target = extractGuest(dir);
  hooksDir = path.join(dir, 'hooks');
  hooksTmp = path.join(dir, 'tmp');
  mkdirSync(hooksTmp);
  token = `gos-test-${process.pid}-${Date.now()}`;
});

afterEach(() => {
  expect(teardown(dir, { token, emptyDirs: [hooksTmp] })).toEqual([]);
});

describe.skipIf(!isRoot)('failing hooks', () => {
  it('a failing hook stops the phase with E_HOOK_FAILED and its last lines; later hooks do not run', async () => {
    hook(
      '10-fails',
      '#!/bin/bash\nfor i in $(seq 1 30); do echo "line $i"; done\necho "cannot configure the widget" >&2\nexit 3\n',
    );
    hook('20-after', `#!/bin/bash\ntouch "$TARGET/after-${token}"\n`);
    const plan = await discoverHooks({ variantHooks: [hooksDir] });
    const { error, lines } = await run(plan);
    expect(error?.code).toBe('E_HOOK_FAILED');
    expect(error?.message).toBe(
      `hook ${hooksDir}/10-fails (post-config) failed: exit 3: cannot configure the widget`,
    );
    expect(lines).toContain('error: [10-fails] failed (exit 3); last lines:');
    expect(lines).toContain('error: [10-fails]   line 30');
    expect(lines).toContain('error: [10-fails]   cannot configure the widget');
    expect(lines).toContain('[10-fails] line 1'); // all output went to the log as it came
    expect(readdirSync(target)).not.toContain(`after-${token}`);
  });

  it('a hanging hook is killed at the timeout with everything it started', async () => {
    hook(
      '10-hangs',
      `#!/bin/bash\necho started\n(exec -a ${token}-child sleep 1000) &\nexec -a ${token}-main sleep 1000\n`,
    );
    const plan = await discoverHooks({ variantHooks: [hooksDir] });
    const t0 = Date.now();
    const { error } = await run(plan, { timeoutSec: 2 });
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(error?.code).toBe('E_HOOK_TIMEOUT');
    expect(error?.message).toBe(
      `hook ${hooksDir}/10-hangs (post-config) failed: timed out after 2 s and was killed: started`,
    );
    expect(error?.hint).toMatch(/hook-timeout/);
  });

  it('a hook that ignores SIGTERM is killed with SIGKILL', async () => {
    hook(
      '10-stubborn',
      `#!/bin/bash\ntrap '' TERM\n(trap '' TERM; exec -a ${token} sleep 1000) &\nwhile :; do sleep 0.1; done\n`,
    );
    const plan = await discoverHooks({ variantHooks: [hooksDir] });
    const { error } = await run(plan, { timeoutSec: 1 });
    expect(error?.code).toBe('E_HOOK_TIMEOUT');
  });

  it('processes a hook leaves running in the guest (chroot, own session) are stopped', async () => {
    hook(
      '10-daemon',
      `#!/bin/bash\nsetsid chroot "$TARGET" /bin/bash -c 'exec -a ${token} sleep 1000' </dev/null >/dev/null 2>&1 &\n` +
        // wait until it has left our session and entered the guest, as a daemon would have
        `for i in $(seq 100); do [ "$(readlink /proc/$!/root)" = "$TARGET" ] && [ "$(ps -o sid= $!)" != "$(ps -o sid= $$)" ] && break; sleep 0.05; done\necho spawned\n`,
    );
    const plan = await discoverHooks({ variantHooks: [hooksDir] });
    const { error, lines } = await run(plan);
    expect(error).toBeUndefined();
    expect(lines.some((l) => /^warn: stopping 1 process\(es\) left running in /.test(l))).toBe(true);
  });

  it("a background process in the hook's own group is killed when the hook exits", async () => {
    hook('10-bg', `#!/bin/bash\n(exec -a ${token} sleep 1000) >/dev/null 2>&1 &\nexit 0\n`);
    const plan = await discoverHooks({ variantHooks: [hooksDir] });
    const { error, lines } = await run(plan);
    expect(error).toBeUndefined();
    expect(lines).toContain('warn: [10-bg] left processes running after it exited; they were killed');
  });

  it('a non-executable hook is refused before anything runs', async () => {
    hook('10-ok', `#!/bin/bash\ntouch "$TARGET/${token}"\n`);
    hook('20-noexec', '#!/bin/bash\nexit 0\n', 0o644);
    const err = await discoverHooks({ variantHooks: [hooksDir] }).catch((e: unknown) => e);
    expect(isOsError(err) && err.code).toBe('E_HOOK_NOT_EXECUTABLE');
    expect((err as OsError).message).toBe(`hook ${hooksDir}/20-noexec is not executable`);
    expect(readdirSync(target)).not.toContain(token);
  });

  it('a hook without a #! line is refused (run-parts could not exec it either)', async () => {
    hook('10-noshebang', 'echo hi\n');
    const err = await discoverHooks({ variantHooks: [hooksDir] }).catch((e: unknown) => e);
    expect(isOsError(err) && err.code).toBe('E_HOOK_NOT_EXECUTABLE');
    expect((err as OsError).message).toBe(
      `hook ${hooksDir}/10-noshebang has no #! line (and is not an ELF binary)`,
    );
  });

  it('an abort (SIGTERM to ganeti-os) kills the running hook', async () => {
    hook('10-long', `#!/bin/bash\nexec -a ${token} sleep 1000\n`);
    const plan = await discoverHooks({ variantHooks: [hooksDir] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const log = new Logger('info', new MemorySink());
    const env = buildHookEnv({
      ganetiVars: {},
      nics: [],
      phase: 'post-config',
      os: 'debootstrap',
      variant: 'default',
      target,
    });
    const err = await runHooks(plan, 'post-config', {
      env,
      target,
      log,
      signal: ac.signal,
      tmpDir: hooksTmp,
      killGraceMs: 500,
    }).catch((e: unknown) => e);
    expect(isOsError(err) && err.code).toBe('E_INTERRUPTED');
    await new Promise((r) => setTimeout(r, 700));
  });
});
