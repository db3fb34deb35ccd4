/** Variant configuration: schemas, files, `extend`, provenance, legacy shell files. */
export * from './schema.js';
export * from './paths.js';
export { parseVariantYaml, readVariantYaml, type RawVariantFile, type RawEntry } from './yaml-file.js';
export { applyListOps, checkVariantFile, type ListOps } from './validate.js';
export {
  resolveVariant,
  showProvenance,
  type ResolvedVariant,
  type Provenance,
  type ResolveOptions,
  type LegacyOptions,
} from './resolve.js';
export {
  listVariants,
  orderVariants,
  publishedVariantNames,
  cCompare,
  type VariantSummary,
  type ListOptions,
} from './list.js';
export { formatVariantList, formatVariantShow } from './format.js';
export {
  readLegacyConfig,
  sourceShellFiles,
  parseSourced,
  type LegacyMapping,
  type LegacyVar,
  type LegacyEntry,
  type LegacyConfig,
  type LegacyImplied,
} from './legacy.js';
