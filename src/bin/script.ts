/** Entry of the Ganeti OS scripts (create, import, export, rename, verify are symlinks to this file). */
import { builtinProviders } from '../../providers/index.js';
import { Registry } from '../dispatch/registry.js';
import { runScript } from '../dispatch/script.js';

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // The receiving end of an export went away: stop quietly, Ganeti reports the transfer failure.
  if (e.code === 'EPIPE') process.exit(141);
  throw e;
});

const code = await runScript({
  scriptPath: process.argv[1] ?? '',
  args: process.argv.slice(2),
  env: process.env,
  providers: new Registry(builtinProviders),
});
process.exitCode = code;
