/**
 * Where a variant's image is, as data (pure): a file of `image-dir` or a URL with what verifies it.
 * The `image` OS parameter names another file of `image-dir`: a name, never a path, so it is
 * checked here by its spelling, and by where it resolves (imageNameProblem's caller).
 */
import { redactUrl } from 'ganeti-os/sdk';
import type { DeclaredFormat } from './schema.js';

export type ImageLocation =
  | { kind: 'file'; dir: string; name: string; path: string }
  | {
      kind: 'url';
      url: string;
      sha256?: string;
      sha512?: string;
      sums?: { url: string; signature?: string; keyring?: string };
    };

export interface SourceSettings {
  source: string;
  format: 'auto' | DeclaredFormat;
  sha256: string;
  sha512: string;
  sums: string;
  sumsSignature: string;
  keyring: string;
  imageDir: string;
  imageName: string;
  arch: string;
  imageUrl: string;
}

/** instance-image's file name: `<IMAGE_NAME>-<ARCH><ext>`, the extension from the type. */
export function legacyFileName(name: string, arch: string, format: 'auto' | DeclaredFormat): string {
  const ext = { dump: '-root.dump', tarball: '.tar.gz', raw: '.raw', qcow2: '.qcow2', auto: '.img' }[format];
  return `${name}-${arch}${ext}`;
}

/** Why `name` is not a plain file name of the image directory, or undefined when it is one. */
export function imageNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.includes('/')) return 'it contains a slash';
  if (name === '.' || name === '..') return `it is ${name}`;
  if (name.includes('\0')) return 'it contains a NUL byte';
  if (/[\s]/.test(name)) return 'it contains white space';
  return undefined;
}

/** The dump of /boot that goes with a root dump (instance-image's `-boot.dump`), when named so. */
export function bootDumpName(rootName: string): string | undefined {
  return rootName.endsWith('-root.dump') ? `${rootName.slice(0, -'-root.dump'.length)}-boot.dump` : undefined;
}

/**
 * The image a run uses: the `image` parameter (a file of image-dir), else `source`, else
 * instance-image's image-name (from image-url when set). Undefined when the variant names none.
 */
export function locateImage(s: SourceSettings, param: string | undefined): ImageLocation | undefined {
  const file = (name: string): ImageLocation => ({
    kind: 'file',
    dir: s.imageDir,
    name,
    path: `${s.imageDir.replace(/\/+$/, '')}/${name}`,
  });
  if (param) return file(param);
  let url: string | undefined;
  if (/^https?:\/\//.test(s.source)) url = s.source;
  else if (s.source) return file(s.source);
  else if (s.imageName) {
    const name = legacyFileName(s.imageName, s.arch, s.format);
    if (!s.imageUrl) return file(name);
    url = `${s.imageUrl.replace(/\/+$/, '')}/${name}`;
  }
  if (!url) return undefined;
  return {
    kind: 'url',
    url,
    ...(s.sha256 ? { sha256: s.sha256.toLowerCase() } : {}),
    ...(s.sha512 ? { sha512: s.sha512.toLowerCase() } : {}),
    ...(s.sums
      ? {
          sums: {
            url: s.sums,
            ...(s.sumsSignature ? { signature: s.sumsSignature } : {}),
            ...(s.keyring ? { keyring: s.keyring } : {}),
          },
        }
      : {}),
  };
}

/** What a log line calls the image. */
export function describeLocation(l: ImageLocation): string {
  return l.kind === 'file' ? l.path : redactUrl(l.url);
}
