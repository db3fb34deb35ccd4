/**
 * verify's check of the `image` parameter against the variant's image directory: the name must
 * resolve to a file inside it (a symlink out of the directory is refused). A name that does not
 * exist yet passes here (create fails with E_IMAGE_MISSING): images may be copied to a node later.
 */
import { ExecRunner, loadVariant } from 'ganeti-os/sdk/linux';
import type { VerifyContext } from 'ganeti-os/sdk';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { imageLegacyMapping } from './legacy.js';
import { imageSchema, imageVariant } from './schema.js';
import { OsError } from 'ganeti-os/sdk';

export async function checkImageParam(name: string, ctx: VerifyContext): Promise<void> {
  const resolved = await loadVariant(
    { os: 'image', schema: imageSchema, legacy: imageLegacyMapping },
    ctx.paths,
    ctx.variant,
    new ExecRunner(ctx.log),
  );
  const dir = imageVariant(resolved.values).imageDir;
  let real: string;
  let realDir: string;
  try {
    realDir = realpathSync(dir);
    real = realpathSync(join(dir, name));
  } catch {
    return;
  }
  if (!real.startsWith(`${realDir}/`)) {
    throw new OsError('E_IMAGE_NAME', `OS parameter image ${JSON.stringify(name)} resolves outside ${dir}`, {
      hint: `name an image file of ${dir}; links out of the image directory are refused`,
    });
  }
}
