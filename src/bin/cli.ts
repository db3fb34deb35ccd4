/** Entry of the `ganeti-os` command. */
import { runCli } from '../cli/program.js';
import '../cli/all-commands.js';

process.exitCode = await runCli(process.argv.slice(2));
