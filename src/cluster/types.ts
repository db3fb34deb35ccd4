/**
 * What `ganeti-os cluster digest --json` prints about one node, and what `cluster check` compares
 * node by node. Digests only (sha256, hex): neither file contents nor variant values leave the node.
 */

/** The first key of the JSON a digest prints, so that a reader finds it among other output. */
export const DIGEST_FORMAT = 'ganeti-os-digest/1';

/** A file a variant's resolution read, or a hook that would run: its path and what it holds. */
export interface FileDigest {
  path: string;
  /** sha256 of the content; null when the file is missing or unreadable. */
  sha256: string | null;
  /** Permission bits (hooks: the executable bits decide whether a hook runs); null when missing. */
  mode: number | null;
}

export interface HookDigest extends FileDigest {
  phase: string;
}

export interface VariantDigest {
  name: string;
  published: boolean;
  isDefault: boolean;
  /** sha256 of everything below: equal digests, equal guests (as far as configuration goes). */
  digest: string;
  /** sha256 of the resolved values (canonical JSON). */
  values: string;
  /** sha256 of each resolved key's value, to name the key that differs. */
  keys: Record<string, string>;
  /** The configuration files the resolution read, in its order. */
  files: FileDigest[];
  /** The hooks a create would run, in run order. */
  hooks: HookDigest[];
  /** Set when the variant does not resolve here (its one-line error). */
  error?: string;
}

export interface ProviderDigest {
  /** The OS name (the directory name in the search path). */
  name: string;
  /** Its OS directory. */
  dir: string;
  /** The ganeti-os version that installed it (its manifest). */
  version: string;
  /** ganeti_api_version, as Ganeti reads it. */
  apiVersions: number[];
  /** variants.list, in order (the default first). */
  variantsList: string[];
  /** Every variant the provider lists (published or not), by name order of the listing. */
  variants: VariantDigest[];
  /** Set when the provider cannot be loaded or its variants cannot be listed. */
  error?: string;
}

export interface NodeDigest {
  format: typeof DIGEST_FORMAT;
  /** This node's host name. */
  node: string;
  /** The ganeti-os that computed the digest. */
  version: string;
  /** The OS search path that was searched. */
  searchPath: string[];
  /** ganeti-os OS directories (they hold a manifest) in the search path, by name. */
  providers: ProviderDigest[];
}
