/** Registers every command group with the program (imported for its side effects by the CLI entry). */
import { registerCommands } from './program.js';
import { variantsCommands } from './commands/variants.js';
import { cacheCommands } from './commands/cache.js';
import { buildCommands } from './commands/build.js';
import { imageCommands } from './commands/image.js';
import { clusterCommands } from './commands/cluster.js';

registerCommands(variantsCommands);
registerCommands(cacheCommands);
registerCommands(buildCommands);
registerCommands(imageCommands);
registerCommands(clusterCommands);
