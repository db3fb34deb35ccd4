/**
 * A probe OS provider for conformance tests: every script records how Ganeti ran it (argv, cwd,
 * uid, whether stdin was at EOF, and its exact exec-time environment from /proc/$$/environ) into
 * `<osdir>/rec/`, and export/import keep a copy of the bytes they streamed. Scripts are bash because
 * Ganeti's EXP_SIZE_FD is 11 and dash cannot redirect to fds >= 10.
 */
import { readFile, readdir } from 'node:fs/promises';
import { type OsDirSpec, file, script } from './ganeti-osdir.js';

const COMMON = `# sourced by every probe script
record() {
  local dir; dir="$(dirname "$0")/rec"; mkdir -p "$dir"
  R="$dir/$(date +%s%N)-$(basename "$0")"
  { echo "argv0=$0"; echo "argc=$#"; echo "cwd=$(pwd -P)"; echo "uid=$(id -u)"; } > "$R.meta"
  tr '\\0' '\\n' < /proc/$$/environ > "$R.env"
}
stdin_state() {
  if timeout 5 cat >/dev/null; then echo "stdin=eof" >> "$R.meta"; else echo "stdin=open" >> "$R.meta"; fi
}
`;

const HEAD = '#!/bin/bash\nset -o pipefail\n. "$(dirname "$0")/common.sh"\nrecord "$@"\n';

/** The probe provider; exit codes of create and rename come from the OS parameters. */
export function probeOs(): OsDirSpec {
  return {
    ganeti_api_version: file('20\n15\n10\n'),
    'variants.list': file('default\nalt\n'),
    'parameters.list': file(
      'probe_param A test OS parameter\ncreate_exit Exit code of create\nrename_exit Exit code of rename\n',
    ),
    'common.sh': file(COMMON),
    create: script(
      `${HEAD}stdin_state\necho "probe create for $INSTANCE_NAME"\ncode=\${OSP_CREATE_EXIT:-0}\n` +
        'if [ "$code" != 0 ]; then for i in $(seq 1 25); do echo "probe line $i"; done; fi\nexit "$code"\n',
    ),
    rename: script(
      `${HEAD}stdin_state\necho "probe rename $OLD_INSTANCE_NAME to $INSTANCE_NAME"\nexit "\${OSP_RENAME_EXIT:-0}"\n`,
    ),
    export: script(
      `${HEAD}stat -c %s "$EXPORT_DEVICE" >&"$EXP_SIZE_FD"\n` +
        'dd if="$EXPORT_DEVICE" bs=1M status=none | tee "$R.data"\n',
    ),
    import: script(`${HEAD}tee "$R.data" | dd of="$IMPORT_DEVICE" conv=nocreat,notrunc bs=1M status=none\n`),
    verify: script('#!/bin/sh\nexit 0\n'),
  };
}

export interface ProbeRecord {
  /** Record file stem, e.g. `1795288260123456789-create`. */
  id: string;
  script: string;
  meta: Record<string, string>;
  env: Record<string, string>;
  /** Host path of the streamed-bytes copy (export/import only). */
  dataPath?: string;
}

function parseLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** The probe's records, oldest first; `osDirHost` is the host path of the probe's OS dir. */
export async function probeRecords(osDirHost: string): Promise<ProbeRecord[]> {
  const dir = `${osDirHost}/rec`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const ids = names.filter((n) => n.endsWith('.meta')).map((n) => n.slice(0, -'.meta'.length));
  ids.sort();
  return Promise.all(
    ids.map(async (id) => ({
      id,
      script: id.slice(id.indexOf('-') + 1),
      meta: parseLines(await readFile(`${dir}/${id}.meta`, 'utf8')),
      env: parseLines(await readFile(`${dir}/${id}.env`, 'utf8')),
      dataPath: names.includes(`${id}.data`) ? `${dir}/${id}.data` : undefined,
    })),
  );
}
