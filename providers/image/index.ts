/**
 * image: guests deployed from a prepared image, a drop-in for ganeti-instance-image (same
 * configuration files, hook variables and network files) that also fetches images from a URL and
 * verifies them, writes raw and qcow2 disk images (grown to the disk), unpacks gzip, xz and zstd
 * tarballs, and gives every clone its own identity. The `image` parameter picks another image of
 * the variant's image directory, by name. Everything after the image is on the disk (guest
 * configuration, hooks, GRUB for trees, export, import, rename) is the shared Linux pipeline's;
 * this module stays light: the installer is loaded only when an operation runs.
 */
import {
  cloudUserdataParam,
  defineLinuxProvider,
  filesystemParam,
  OsError,
  param,
  rootPasswordParam,
  sshKeyParam,
} from 'ganeti-os/sdk';
import { imageLegacyMapping } from './legacy.js';
import { imageSchema } from './schema.js';
import { imageNameProblem } from './source.js';

export default defineLinuxProvider({
  name: 'image',
  description: 'guests deployed from dumps, tarballs, raw and qcow2 images, local or fetched and verified',
  params: {
    image: param.string({
      description: "another image of the variant's image-dir, by file name (never a path)",
      pattern: /^(?!\.\.?$)[^/\s]+$/,
      patternText: 'a file name of the image directory (no slash, not . or ..)',
      maxLength: 255,
    }),
    filesystem: filesystemParam(
      "root filesystem of dump and tarball images: ext2, ext3, ext4, xfs or btrfs (default: the variant's)",
    ),
    'root-password': rootPasswordParam,
    'ssh-key': sshKeyParam,
    'cloud-userdata': cloudUserdataParam(
      'cloud-init user data for a cloud-init variant, text or base64:<data> (private)',
    ),
  },
  variantConfig: { schema: imageSchema, legacy: imageLegacyMapping },
  installer: () => import('./installer.js').then((m) => m.default),
  async verify(params, ctx) {
    if (!params.image) return;
    const problem = imageNameProblem(params.image);
    if (problem) {
      throw new OsError('E_IMAGE_NAME', `OS parameter image ${JSON.stringify(params.image)}: ${problem}`, {
        hint: "give the name of a file in the variant's image directory, not a path",
      });
    }
    // Where the name resolves: only a file of the variant's image directory (no link out of it).
    const { checkImageParam } = await import('./verify.js');
    await checkImageParam(params.image, ctx);
  },
});
