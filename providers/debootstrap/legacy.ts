/**
 * instance-debootstrap's shell variables mapped onto the debootstrap variant keys. The files
 * (/etc/default/ganeti-instance-debootstrap, /etc/ganeti/instance-debootstrap/variants/<v>.conf)
 * are sourced by bash (src/config/legacy.ts); a YAML variant file wins over them, key by key.
 */
import { commaList, type LegacyMapping } from '../../src/config/legacy.js';

const yesNo = (raw: string): unknown => (raw === 'yes' ? true : raw === 'no' ? false : raw);
/** instance-debootstrap lists are comma-separated; `main contrib` (spaces) is accepted too. */
const list = (raw: string): string[] => commaList(raw.replace(/\s+/g, ','));

export const debootstrapLegacyMapping: LegacyMapping = {
  vars: [
    { variable: 'MIRROR', key: 'mirror' },
    { variable: 'PROXY', key: 'proxy' },
    { variable: 'SUITE', key: 'suite' },
    { variable: 'ARCH', key: 'arch' },
    { variable: 'EXTRA_PKGS', key: 'extra-pkgs', convert: list },
    { variable: 'COMPONENTS', key: 'components', convert: list },
    { variable: 'CUSTOMIZE_DIR', key: 'customize-dir' },
    { variable: 'GENERATE_CACHE', key: 'generate-cache', convert: yesNo },
    { variable: 'CLEAN_CACHE', key: 'clean-cache' },
    { variable: 'PARTITION_STYLE', key: 'partition-style' },
    { variable: 'PARTITION_ALIGNMENT', key: 'partition-alignment' },
  ],
};
