import { isBerthError } from "../oci/index.js";
import { renderInspect, type InspectFormat } from "./inspect-format.js";
import { printError } from "./print-error.js";

/**
 * The inspect commands' way with several names (`inspect`, `image inspect`,
 * `volume inspect`, `network inspect`), docker's: every name is looked up;
 * what was found is printed (one JSON array, or the template per object);
 * each name not found gets one line on stderr, `berth: no such KIND: NAME`
 * (docker's `Error: No such KIND: NAME`, without a hint, as there may be many);
 * any other failure (an ambiguous id prefix) is printed with its hint; and
 * the exit code is 1 when anything failed, whatever the failure.
 */
export async function inspectEach<T>(kind: string, names: readonly string[], format: InspectFormat, find: (name: string) => Promise<T>): Promise<void> {
  const found: T[] = [];
  const failures: { name: string; error: unknown }[] = [];
  for (const name of names) {
    try {
      found.push(await find(name));
    } catch (error) {
      failures.push({ name, error });
    }
  }
  process.stdout.write(renderInspect(format, found));
  for (const { name, error } of failures) {
    if (isBerthError(error, "NOT_FOUND")) process.stderr.write(`berth: no such ${kind}: ${name}\n`);
    else printError(error);
  }
  if (failures.length > 0) process.exitCode = 1;
}
