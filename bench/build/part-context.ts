import type { Cleanup } from "../harness/cleanup.js";
import type { BerthDaemons } from "../harness/berth-daemons.js";
import type { SideResult } from "./build-rounds.js";
import type { BuildRow } from "./build-table.js";
import type { Cli } from "./build-tools.js";

/** What each part gets from the bench: its own dir, the shared dockerd, the stop switch. */
export interface PartContext {
  /** An empty directory the part owns (removed with the bench's temp dir). */
  readonly dir: string;
  readonly runs: number;
  /** Aborted on Ctrl-C or when cleanup starts: no new build begins. */
  readonly signal: AbortSignal;
  /** Where the part registers what must be undone (containers it started). */
  readonly cleanup: Cleanup;
  /** The docker CLI against the bench's dockerd, or undefined (then `noDocker` says why). */
  readonly docker: Cli | undefined;
  readonly noDocker: string | undefined;
  readonly log: (line: string) => void;
  /** berth's daemon for the root a side builds in (or none, with --berth-daemon off). */
  readonly daemons: BerthDaemons;
}

/** What a part hands to the report. */
export interface PartReport {
  readonly title: string;
  /** What was built and how, printed above the table. */
  readonly setup: readonly string[];
  readonly rows: readonly BuildRow[];
  readonly results: readonly SideResult[];
  /** Checks that passed, sizes in detail, one-off timings: printed under the table. */
  readonly notes: readonly string[];
  /** Anything that makes the part incomplete (a side that did not run, a failed check): exit code 1. */
  readonly problems: readonly string[];
}

/** The first lines of an error's message, for a report line. */
export const firstLines = (err: unknown, n = 6): string => (err as Error).message.trim().split("\n").slice(0, n).join("\n    ");
