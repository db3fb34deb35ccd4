/** Registers every command group with the program. */
import { registerCommands } from './program.js';

void registerCommands;
