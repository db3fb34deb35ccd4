/** What the image provider hands the fetcher, and what it gets back. */
import type { CleanupStack } from '../runtime/cleanup.js';
import type { Logger } from '../runtime/logger.js';

export interface ImageSource {
  /** http:// or https:// only. */
  url: string;
  /** Hex checksums; one of these, or `sums`, is required. */
  sha256?: string | undefined;
  sha512?: string | undefined;
  /**
   * A SHA256SUMS/SHA512SUMS file (URL, may be relative to `url`), its detached signature (URL, e.g.
   * SHA256SUMS.gpg or .sign) and the keyring (a file on this node) that `gpgv` checks it with. The
   * image's entry is looked up by the URL's file name.
   */
  sums?: { url: string; signature?: string | undefined; keyring?: string | undefined } | undefined;
}

export interface FetchOptions {
  /** The provider's cache directory; images go to `<cacheDir>/images/`. */
  cacheDir: string;
  log: Logger;
  signal?: AbortSignal | undefined;
  /** Progress as a live terminal line (true) or log lines every 10 s (false, default). */
  tty?: boolean | undefined;
  /** Attempts after the first one, for dropped connections and server errors; default 3. */
  retries?: number | undefined;
  /** A request fails after this long without any data; default 60 000 ms. */
  timeoutMs?: number | undefined;
  /** First pause between attempts, doubled each time (at most 30 s); default 1000 ms. */
  retryDelayMs?: number | undefined;
  /** Seconds to wait for another download of the same image; default 3600. */
  lockTimeoutSec?: number | undefined;
  /** Register acquisitions here (default: a private stack unwound before returning). */
  cleanup?: CleanupStack | undefined;
}

export interface FetchResult {
  /** The verified image in the cache. */
  path: string;
  /** True when the cache already held it. */
  hit: boolean;
  bytes: number;
}

export type { HashAlgo } from '../fs/hash.js';
import type { HashAlgo } from '../fs/hash.js';

/** One checksum the downloaded bytes must have. */
export interface ExpectedSum {
  algo: HashAlgo;
  hex: string;
  /** Where it came from, for messages ("the variant", "SHA256SUMS at <url>"). */
  from: string;
}
