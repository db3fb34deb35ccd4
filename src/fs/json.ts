/** Reading a JSON file against a valibot schema, for state files that may be missing or damaged. */
import { readFile } from 'node:fs/promises';
import * as v from 'valibot';

/** Undefined when the file is missing, unreadable, not JSON or not matching the schema. */
export async function readJsonFile<S extends v.GenericSchema>(
  schema: S,
  path: string,
): Promise<v.InferOutput<S> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = v.safeParse(schema, JSON.parse(text));
    return r.success ? r.output : undefined;
  } catch {
    return undefined;
  }
}
