/**
 * `ganeti-os variants show OS+VARIANT --hooks`: the hooks a create with this variant would run,
 * phase by phase in run order, found by the same discovery the create uses (src/hooks/), and the
 * files that would not run with the reason. A preflight: a hook that would fail the create (not
 * executable, no #! line, a missing hooks path) is listed as a problem and the command fails.
 */
import { providerHooksDir } from '../config/paths.js';
import { showProvenance, type ResolvedVariant } from '../config/resolve.js';
import { discoverHooks, PHASES, type Hook, type HookPlan, type Phase } from '../hooks/index.js';
import { isOsError, OsError, OsErrors } from '../runtime/errors.js';

export interface HookListing {
  os: string;
  variant: string;
  /** Every phase, in run order; each phase's hooks in the order they run. */
  phases: { phase: Phase; hooks: Pick<Hook, 'name' | 'path' | 'source'>[] }[];
  /** Files found that do not run, each with its reason. */
  notRun: string[];
  /** Why a create with this variant would fail before any hook runs. */
  problems: OsError[];
}

function problemsOf(e: unknown): OsError[] {
  if (e instanceof OsErrors) return [...e.problems];
  if (isOsError(e)) return [e];
  throw e;
}

/** Discovery that reports its errors instead of throwing them. */
async function discover(
  opts: Parameters<typeof discoverHooks>[0],
): Promise<{ plan?: HookPlan; problems: OsError[] }> {
  try {
    return { plan: await discoverHooks(opts), problems: [] };
  } catch (e) {
    return { problems: problemsOf(e) };
  }
}

/** The hooks of a resolved variant whose schema has the hook keys (`hooks`, `provider-hooks`, `customize-dir`). */
export async function listVariantHooks(resolved: ResolvedVariant, configDir: string): Promise<HookListing> {
  const v = resolved.values;
  if (!Array.isArray(v['hooks'])) {
    throw new OsError('E_UNSUPPORTED', `${resolved.os} runs no hooks (its variants have no "hooks" key)`, {
      hint: 'hooks exist for the providers that install a Linux guest (e.g. debootstrap)',
    });
  }
  const variantHooks = v['hooks'];
  const customize = typeof v['customize-dir'] === 'string' ? v['customize-dir'] : '';
  const providerDir = customize || providerHooksDir(resolved.os, { configDir });
  const useProvider = v['provider-hooks'] !== false;

  let found = await discover({ variantHooks, providerHooksDir: providerDir, useProviderHooks: useProvider });
  const problems = found.problems;
  if (!found.plan) {
    // Show what each source alone would run; the problems above still fail the create.
    const parts = [
      ...(useProvider ? [{ providerHooksDir: providerDir, useProviderHooks: true }] : []),
      ...variantHooks.map((h) => ({ variantHooks: [h] })),
    ];
    const plan: HookPlan = { phases: {} as HookPlan['phases'], warnings: [] };
    for (const p of PHASES) plan.phases[p] = [];
    for (const part of parts) {
      const one = await discover(part);
      for (const p of PHASES) plan.phases[p].push(...(one.plan?.phases[p] ?? []));
      plan.warnings.push(...(one.plan?.warnings ?? []));
    }
    found = { plan, problems };
  }
  const plan = found.plan!;
  const notRun = [...plan.warnings];
  if (!useProvider) {
    const off = await discover({ providerHooksDir: providerDir, useProviderHooks: true });
    const why = `provider-hooks is false [${showProvenance(resolved.provenance['provider-hooks'] ?? 'default')}]`;
    for (const p of PHASES)
      for (const h of off.plan?.phases[p] ?? []) notRun.push(`hook ${h.path} is not run: ${why}`);
    notRun.push(...(off.plan?.warnings ?? []));
  }
  return {
    os: resolved.os,
    variant: resolved.name,
    phases: PHASES.map((phase) => ({
      phase,
      hooks: plan.phases[phase].map((h) => ({ name: h.name, path: h.path, source: h.source })),
    })),
    notRun,
    problems,
  };
}

export function formatHookListing(l: HookListing, opts: { json?: boolean } = {}): string {
  if (opts.json) {
    return (
      JSON.stringify(
        {
          os: l.os,
          variant: l.variant,
          phases: Object.fromEntries(l.phases.map((p) => [p.phase, p.hooks])),
          notRun: l.notRun,
          problems: l.problems.map((p) => p.oneLine()),
        },
        null,
        2,
      ) + '\n'
    );
  }
  const lines = [`${l.os}+${l.variant} hooks, in run order:`];
  const width = Math.max(0, ...l.phases.flatMap((p) => p.hooks.map((h) => h.name.length)));
  for (const { phase, hooks } of l.phases) {
    lines.push(`${phase}:`);
    if (hooks.length === 0) lines.push('  (none)');
    for (const h of hooks) lines.push(`  ${h.name.padEnd(width)}  ${h.source.padEnd(8)}  ${h.path}`);
  }
  if (l.notRun.length > 0) lines.push('not run:', ...l.notRun.map((w) => `  ${w}`));
  if (l.problems.length > 0)
    lines.push('problems (a create with this variant fails):', ...l.problems.map((p) => `  ${p.oneLine()}`));
  return lines.join('\n') + '\n';
}
