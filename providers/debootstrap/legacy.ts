/**
 * instance-debootstrap's shell variables mapped onto the debootstrap variant keys. The files
 * (/etc/default/ganeti-instance-debootstrap, /etc/ganeti/instance-debootstrap/variants/<v>.conf)
 * are sourced by bash (src/config/legacy.ts); a YAML variant file wins over them, key by key.
 * Each conversion reads a value the way instance-debootstrap's create script does.
 */
import type { LegacyMapping } from 'ganeti-os/sdk';

/** `[ "$GENERATE_CACHE" = "yes" ]`: anything else (no, false, 0, Yes) turns the cache off. */
const onlyYes = (raw: string): boolean => raw === 'yes';
/**
 * `find -mtime "+$CLEAN_CACHE"`: a number of days; find refuses anything else and, being the
 * first stage of a pipeline whose status nobody checks, no entry is ever cleaned.
 */
const days = (raw: string): unknown => (/^[0-9]+$/.test(raw) ? raw : 'never');
/** instance-debootstrap lists are comma-separated; `main contrib` (spaces) is accepted too. */
const list = (raw: string): string[] => raw.split(/[\s,]+/).filter((s) => s !== '');

export const debootstrapLegacyMapping: LegacyMapping = {
  vars: [
    { variable: 'MIRROR', key: 'mirror' },
    { variable: 'PROXY', key: 'proxy' },
    { variable: 'SUITE', key: 'suite' },
    { variable: 'ARCH', key: 'arch' },
    { variable: 'EXTRA_PKGS', key: 'extra-pkgs', convert: list },
    { variable: 'COMPONENTS', key: 'components', convert: list },
    {
      variable: 'CUSTOMIZE_DIR',
      key: 'customize-dir',
      // `[ -n "$CUSTOMIZE_DIR" ]` guards run-parts: emptied by a variant file, no hooks run.
      whenEmpty: { key: 'provider-hooks', value: false },
    },
    {
      variable: 'GENERATE_CACHE',
      key: 'generate-cache',
      convert: onlyYes,
      whenEmpty: { key: 'generate-cache', value: false },
    },
    {
      variable: 'CLEAN_CACHE',
      key: 'clean-cache',
      convert: days,
      whenEmpty: { key: 'clean-cache', value: 'never' },
    },
    {
      variable: 'PARTITION_STYLE',
      key: 'partition-style',
      // An empty style is refused ("Unknown partition style"), as instance-debootstrap refuses it.
      whenEmpty: { key: 'partition-style', value: '' },
    },
    { variable: 'PARTITION_ALIGNMENT', key: 'partition-alignment' },
  ],
  // instance-debootstrap ran `passwd -d root` in every guest: root without a password (console
  // login). A variant its files define keeps that, unless a YAML file of the variant sets the key;
  // ganeti-os's own variants keep root locked.
  implied: [{ key: 'root-password', value: 'empty', why: 'passwd -d root' }],
};
