import { isBerthError } from "../oci/index.js";

/** An error as every command prints it: `berth: MESSAGE`, the hint when there is one, the stack with --debug. */
export function printError(e: unknown, debug = false): void {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`berth: ${message}\n`);
  if (isBerthError(e) && e.hint) process.stderr.write(`hint: ${e.hint}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
}

/**
 * docker's way with several names: print every failure but the last, then
 * throw the last (main prints it and picks the exit code from it).
 */
export function throwAll(failures: readonly unknown[]): void {
  for (const e of failures.slice(0, -1)) printError(e);
  if (failures.length > 0) throw failures[failures.length - 1];
}
