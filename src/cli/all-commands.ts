/** Registers every command group with the program (imported for its side effects by the CLI entry). */
export {};
