/**
 * Publishing variants (`ganeti-os install` and `variants sync`): a variant that does not resolve
 * never reaches variants.list, or Ganeti would accept it and fail at create, after making the disks.
 * Each published variant is resolved as an operation would resolve it; a broken one refuses the
 * publication (one line per variant, naming the file and line) or, when asked, is left out with a
 * warning. The manifest records the rest with the stamps of the files their resolution read, so that
 * `verify` can tell a variant that still resolves without resolving it again.
 */
import { publishedVariantNames } from '../config/list.js';
import { configLocation, resolvePublished, type BrokenVariant } from '../config/load.js';
import { fileStamp, type OsManifest, type VariantRecord } from '../ganeti/manifest.js';
import { ExecRunner } from '../process/runner.js';
import { OsError, OsErrors } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { AnyProvider, ProviderPaths } from '../sdk/types.js';

export interface PublishOptions {
  /** Leave out the variants that do not resolve (with a warning) instead of refusing them all. */
  skipBroken?: boolean;
  log: Logger;
}

export interface Publication {
  /** For variants.list: published and resolving, default first. */
  names: string[];
  /** For the manifest: the published variants' record and the names skipped as broken. */
  record: Required<Pick<OsManifest, 'variants'>> & Pick<OsManifest, 'skippedVariants'>;
}

/** The variants `provider` publishes: those its variants() names (else its files publish) that resolve. */
export async function publishVariants(
  provider: AnyProvider,
  paths: ProviderPaths,
  o: PublishOptions,
): Promise<Publication> {
  const cfg = provider.variantConfig;
  const names = provider.variants
    ? await provider.variants({ paths, log: o.log })
    : cfg
      ? await publishedVariantNames(provider.name, {
          ...configLocation(provider.name, paths, cfg.configExtension),
          ...(cfg.legacy ? { legacy: true } : {}),
        })
      : [];
  // Only variant files can be resolved here; a provider's own variants() answers for itself.
  if (!cfg) return { names, record: { variants: null } };
  const files = {
    os: provider.name,
    schema: cfg.schema,
    ...(cfg.legacy ? { legacy: cfg.legacy } : {}),
    ...(cfg.configExtension ? { configExtension: cfg.configExtension } : {}),
  };
  const { resolved, broken } = await resolvePublished(files, paths, names, new ExecRunner(o.log));
  if (broken.length > 0 && !o.skipBroken) throw refusal(provider.name, broken);
  for (const b of broken) o.log.warn(`${provider.name}+${b.name} not published: ${oneLine(b.error)}`);
  const variants: VariantRecord[] = resolved.map((v) => ({
    name: v.name,
    files: v.inputs.map((path) => ({ path, stamp: fileStamp(path) })),
  }));
  return {
    names: variants.map((v) => v.name),
    record: { variants, skippedVariants: broken.map((b) => b.name) },
  };
}

function oneLine(e: OsError): string {
  return e.message.replace(/\s*\n\s*/g, '; ');
}

/** One problem per broken variant, under the code of its own first problem. */
function refusal(os: string, broken: readonly BrokenVariant[]): OsError {
  const problems = broken.map(
    (b) =>
      new OsError(b.error.code, `${os}+${b.name} does not resolve: ${oneLine(b.error)}`, {
        cause: b.error,
        ...(b.error.hint ? { hint: b.error.hint } : {}),
      }),
  );
  const names = broken.map((b) => b.name).join(', ');
  return new OsErrors(
    problems,
    `${os} is left as it was: fix or unpublish ${names} (\`ganeti-os variants show ${os}+<variant>\` checks one), ` +
      'or pass --skip-broken to publish the others',
  );
}
