import type { Cleanup } from "./cleanup.js";

/** One named benchmark that run.ts can start. */
export interface Bench {
  readonly name: string;
  /** One line for the list run.ts prints. */
  readonly description: string;
  /**
   * Run with the arguments after the bench name; resolve to the process exit code. Everything
   * that must be undone (servers, temp dirs) goes on `cleanup`, which the caller runs even when
   * this throws or the user presses Ctrl-C.
   */
  run(args: readonly string[], cleanup: Cleanup): Promise<number>;
}
