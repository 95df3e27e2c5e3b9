import { access, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readContainerState, type ContainerState } from "./container-state.js";
import { isRunning } from "./process-identity.js";

// A start held at its gate (StartOptions.gate: a run made ahead of its request) holds the
// container's lock, perhaps for seconds. A removal asked meanwhile makes this file in the
// container's directory; the start lets go at once, undone as a start nobody asked for.
const REMOVAL_ASKED = "removal-asked";
/** How often a held start looks for the file, and a removal looks whether the start let go. */
const POLL_MS = 20;
/** A removal waits this long at most for a held start to let go before it waits for the lock as usual. */
const LET_GO_WITHIN_MS = 10_000;

/** The container's start is held at its gate by a live process (this one, the daemon's API, included). */
export async function heldAlive(state: ContainerState | undefined): Promise<boolean> {
  const held = state?.status === "created" ? state.held : undefined;
  return held !== undefined && (await isRunning(held));
}

/**
 * Rejects once a removal of the container in `dir` is asked (see askToLetGo), until `signal`
 * aborts: raced with the gate of a start that may be held for seconds.
 */
export async function removalAsked(dir: string, signal: AbortSignal): Promise<never> {
  const file = join(dir, REMOVAL_ASKED);
  while (!signal.aborted) {
    if (await access(file).then(() => true, () => false)) throw new Error("its removal was asked while its start waited for its request");
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return new Promise<never>(() => undefined);
}

/**
 * Ask the live process holding the start of the container in `dir` at its gate to let it go, and
 * wait until it has (bounded): its start is then undone and the container gone, or its request
 * came first and the container runs. Resolves whether the container's directory is gone.
 */
export async function askToLetGo(dir: string): Promise<boolean> {
  const file = join(dir, REMOVAL_ASKED);
  await writeFile(file, "").catch(() => undefined);
  const deadline = Date.now() + LET_GO_WITHIN_MS;
  for (;;) {
    if (!(await access(dir).then(() => true, () => false))) return true;
    if (!(await heldAlive(await readContainerState(dir))) || Date.now() > deadline) break;
    await sleep(POLL_MS);
  }
  // Its request came first (or the holder does not answer): nothing is to look for the file now.
  await rm(file, { force: true }).catch(() => undefined);
  return false;
}
