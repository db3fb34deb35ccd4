/**
 * The file Ganeti's create/import/export/rename/verify symlinks point at (bundled as CommonJS, the
 * cheapest thing node starts). `verify parameters` is answered here from the manifest; declared
 * no-op operations and raw disk streams by fast-ops.cjs; everything else imports the full runtime
 * (script.mjs), which reads the same argv and environment.
 */
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fastPath } from '../dispatch/fast-path.js';
import type { ScriptName } from '../ganeti/types.js';

const err = (line: string): void => void process.stderr.write(line + '\n');
const scriptPath = process.argv[1] ?? '';
const code = fastPath(scriptPath, process.argv.slice(2), process.env, err);
if (code === undefined) {
  void import(pathToFileURL(join(__dirname, 'script.mjs')).href);
} else if (code === 'fast-op') {
  // A computed path, so the bundler leaves it to run time; this file is CommonJS once bundled.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fast = require(join(__dirname, 'fast-ops.cjs')) as {
    runFastOp: (s: ScriptName, e: NodeJS.ProcessEnv, w: typeof err) => Promise<number>;
  };
  void fast
    .runFastOp(basename(scriptPath) as ScriptName, process.env, err)
    .then((c) => (process.exitCode = c));
} else {
  process.exitCode = code;
}
