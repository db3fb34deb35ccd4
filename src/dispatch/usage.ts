/** `-h` usage text of the Ganeti scripts (the OS interface asks for it; no peer prints one). */
import type { ScriptName } from '../ganeti/types.js';

const what: Record<ScriptName, string> = {
  create: 'install the guest onto the instance disks (INSTANCE_REINSTALL=1 on reinstall)',
  import: 'restore disk IMPORT_INDEX from the stream on stdin onto IMPORT_DEVICE',
  export: 'write disk EXPORT_INDEX (EXPORT_DEVICE) as a stream to stdout; size to EXP_SIZE_FD',
  rename: 'rename the guest from OLD_INSTANCE_NAME to INSTANCE_NAME',
  verify: 'verify parameters: check the OSP_* values for OS_VARIANT',
};

export function usage(script: ScriptName, osName: string, params: [string, string][]): string {
  const lines = [
    `usage: ${script}${script === 'verify' ? ' parameters' : ''}`,
    `Ganeti OS script of ${osName} (ganeti-os): ${what[script]}.`,
    'Input comes from the environment Ganeti sets (OS_API_VERSION, OS_VARIANT, OSP_*, INSTANCE_*, DISK_*, NIC_*).',
    'DEBUG_LEVEL=1 logs every command run. Logs go to stderr; the last line of a failure is its reason.',
  ];
  if (params.length > 0) {
    lines.push('OS parameters (-O name=value):');
    for (const [n, d] of params) lines.push(`  ${n.padEnd(22)} ${d}`);
  }
  return lines.join('\n') + '\n';
}
