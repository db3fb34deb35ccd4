/**
 * A provider on the shared Linux install pipeline: declare the name, the parameters and the variant
 * files; hand in the installer (loaded lazily, with the pipeline, only when Ganeti runs an
 * operation). create, reinstall, export, import, rename, the published variants and `cache warm`
 * come from the pipeline. This module stays light: `verify` and `variants.list` never load execa.
 */
import type { LegacyMapping } from '../config/legacy.js';
import type { VariantSchema } from '../config/schema.js';
import type { LinuxInstaller } from '../linux/installer.js';
import type { ParamDecls, ParamValues } from './params.js';
import { defineProvider, type Provider, type VerifyContext } from './types.js';

export interface LinuxProviderSpec<P extends ParamDecls> {
  name: string;
  description: string;
  params: P;
  apiVersions?: Provider['apiVersions'];
  /**
   * The variant files' schema (compose the fragments of `ganeti-os/sdk/linux`), the peer's shell
   * mapping, and the extension of a configuration file that alone makes a variant (guix: `.scm`).
   */
  variantConfig: { schema: VariantSchema; legacy?: LegacyMapping; configExtension?: string };
  /** The provider's installer: `() => import('./installer.js').then((m) => m.default)`. */
  installer: () => Promise<LinuxInstaller<ParamValues<P>>>;
  /** The provider keeps a cache `ganeti-os cache warm` can fill (its installer has `warm`). */
  cache?: boolean;
  verify?(params: ParamValues<P>, ctx: VerifyContext): Promise<void> | void;
}

const pipeline = () => import('../linux/operations.js');

export function defineLinuxProvider<P extends ParamDecls>(spec: LinuxProviderSpec<P>): Provider<P> {
  const both = () => Promise.all([pipeline(), spec.installer()]);
  return defineProvider<P>({
    name: spec.name,
    description: spec.description,
    params: spec.params,
    ...(spec.apiVersions ? { apiVersions: spec.apiVersions } : {}),
    variantConfig: spec.variantConfig,
    ...(spec.verify
      ? { verify: (params: ParamValues<P>, ctx: VerifyContext) => spec.verify!(params, ctx) }
      : {}),
    async variants({ paths }) {
      const { publishedVariants } = await import('../config/load.js');
      return publishedVariants(spec.name, paths, spec.variantConfig.configExtension);
    },
    ...(spec.cache
      ? {
          async warmCache(ctx) {
            const [p, installer] = await both();
            return p.warmLinux(ctx, installer);
          },
        }
      : {}),
    async create(ctx) {
      const [p, installer] = await both();
      await p.createLinux(ctx, installer);
    },
    async export(ctx) {
      const [p, installer] = await both();
      const { paths, variant, params, runner, log } = ctx;
      const raw = installer.rawExport
        ? installer.rawExport(await installer.configure({ paths, variant, params, runner, log }))
        : false;
      await p.exportLinux(ctx, spec.name, raw);
    },
    async import(ctx) {
      const [p, installer] = await both();
      await p.importLinux(ctx, installer);
    },
    async rename(ctx) {
      const [p, installer] = await both();
      await (installer.rename ? installer.rename(ctx) : p.renameLinux(ctx));
    },
  });
}
