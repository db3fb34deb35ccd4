/**
 * The file Ganeti's create/import/export/rename/verify symlinks point at (bundled as CommonJS, the
 * cheapest thing node starts). `verify parameters` is answered here from the manifest; everything
 * else imports the full runtime (script.mjs), which reads the same argv and environment.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fastVerify } from '../ganeti/verify-fast.js';

const code = fastVerify(process.argv[1] ?? '', process.argv.slice(2), process.env, (line) => process.stderr.write(line + '\n'));
if (code === undefined) {
  void import(pathToFileURL(join(__dirname, 'script.mjs')).href);
} else {
  process.exitCode = code;
}
