/** Entry of the `ganeti-os` command. */
import { builtinProviders } from '../../providers/index.js';
import { defaultContext } from '../cli/context.js';
import { runCli } from '../cli/program.js';
import { Registry } from '../dispatch/registry.js';
import '../cli/all-commands.js';

process.exitCode = await runCli(process.argv.slice(2), defaultContext(new Registry(builtinProviders)));
