/**
 * Pure: checksum files and the checksums a source pins. SHA256SUMS/SHA512SUMS in the GNU style
 * ("<hex>  <name>", "<hex> *<name>", escaped names with a leading backslash) and the BSD style
 * ("SHA256 (<name>) = <hex>"); other lines (comments, a clearsign armour) are skipped.
 */
import { OsError } from '../runtime/errors.js';
import type { ExpectedSum, HashAlgo, ImageSource } from './types.js';

const HEX_LEN: Record<HashAlgo, number> = { sha256: 64, sha512: 128 };

/** sha256 or sha512 by the length of a hex digest. */
export function algoOfHex(hex: string): HashAlgo | undefined {
  if (!/^[0-9a-f]+$/i.test(hex)) return undefined;
  return hex.length === 64 ? 'sha256' : hex.length === 128 ? 'sha512' : undefined;
}

function unescapeGnu(name: string): string {
  return name.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** Map file name -> lower-case hex. A name listed twice with different sums is refused. */
export function parseSums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (name: string, hex: string): void => {
    const h = hex.toLowerCase();
    const prev = out.get(name);
    if (prev !== undefined && prev !== h) {
      throw new OsError('E_FETCH_SUMS', `the checksum file lists ${name} twice with different sums`, {
        hint: 'fix the checksum file on the server',
      });
    }
    out.set(name, h);
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    let m = /^(\\?)([0-9a-fA-F]{64}|[0-9a-fA-F]{128}) [ *](.+)$/.exec(line);
    if (m) {
      add(m[1] ? unescapeGnu(m[3]!) : m[3]!, m[2]!);
      continue;
    }
    m = /^(?:SHA256|SHA512) \((.+)\) = ([0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/.exec(line.trim());
    if (m) add(m[1]!, m[2]!);
  }
  return out;
}

/** The sum of `name` in a parsed file: exact, then "./name", then a single entry whose last segment is it. */
export function findSum(sums: Map<string, string>, name: string): string | undefined {
  const exact = sums.get(name) ?? sums.get(`./${name}`);
  if (exact !== undefined) return exact;
  const hits = [...sums].filter(([n]) => n.split('/').pop() === name);
  return hits.length === 1 ? hits[0]![1] : undefined;
}

/** The checksums pinned in the source itself (sha256/sha512 keys), validated. */
export function pinnedSums(src: ImageSource): ExpectedSum[] {
  const out: ExpectedSum[] = [];
  for (const algo of ['sha256', 'sha512'] as const) {
    const value = src[algo];
    if (value === undefined || value === '') continue;
    const hex = value.trim().toLowerCase();
    if (algoOfHex(hex) !== algo) {
      throw new OsError('E_FETCH_CHECKSUM', `${algo} ${value} is not ${HEX_LEN[algo]} hexadecimal digits`, {
        hint: `give the image's ${algo} as printed by ${algo}sum`,
      });
    }
    out.push({ algo, hex, from: 'the variant' });
  }
  return out;
}
