import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { StartedDockerd } from "../../test/support/dockerd.js";
import { describeResult } from "../../test/support/run.js";
import type { CommandResult } from "../harness/command-runner.js";
import { mustSucceed } from "../pull/tools.js";
import { BERTH_IMAGE, DOCKER_IMAGE } from "./bench-busybox.js";
import { BERTH_BIN, COMMAND_TIMEOUT_MS, runCommands } from "./run-tools.js";
import type { RuncFloor } from "./runc-floor.js";

/** One way of running `/bin/busybox true` in a fresh container, in the foreground, removed after. */
export interface OneShotSide {
  /** "berth run", "docker run", "runc run (floor)", "runc run (berth's spec)". */
  readonly name: string;
  readonly isBerth: boolean;
  /** Why it cannot run here; undefined when it can. */
  readonly unavailable: string | undefined;
  /** The timed part: start, run, wait for the exit, remove. Throws unless it exits 0. */
  once(): Promise<void>;
  /** Untimed, before the warm-up: the container's exit code reaches the caller (7 from `exit 7`). */
  check(): Promise<void>;
  /** Untimed, after the runs: throws when a container or its state was left behind. */
  leftovers(): Promise<void>;
  /**
   * Untimed, after each timed run: resolves once the work the run left going in the background
   * (berth's removal of an `--rm` container) is done, so that it does not run into, and slow, the
   * next side's timed run. Absent: the side leaves nothing going once its command returns.
   */
  settled?(): Promise<void>;
}

const TRUE = ["/bin/busybox", "true"];
const EXIT_7 = ["/bin/busybox", "sh", "-c", "exit 7"];

function expectExit(r: CommandResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}: ${describeResult(r)}`);
}

/** `berth --root <root> run --rm --network none localhost/busybox:bench /bin/busybox true`. */
export function berthOneShot(root: string, unavailable: string | undefined): OneShotSide {
  const run = (cmd: readonly string[]): Promise<CommandResult> =>
    runCommands.run(BERTH_BIN, ["--root", root, "run", "--rm", "--network", "none", BERTH_IMAGE, ...cmd], { timeoutMs: COMMAND_TIMEOUT_MS });
  return {
    name: "berth run", isBerth: true, unavailable,
    once: async () => expectExit(await run(TRUE), 0),
    check: async () => expectExit(await run(EXIT_7), 7),
    leftovers: async () => {
      const r = await mustSucceed(runCommands.run(BERTH_BIN, ["--root", root, "ps", "-a", "-q"], { timeoutMs: COMMAND_TIMEOUT_MS }));
      if (r.stdout.trim() !== "") throw new Error(`berth ps -a lists containers after run --rm: ${r.stdout.trim().split("\n").join(", ")}`);
      const removing = await readdir(join(root, "containers", ".removing")).catch(() => [] as string[]);
      if (removing.length > 0) throw new Error(`removals of run --rm containers never finished: ${removing.join(", ")} in containers/.removing`);
    },
    // `run --rm` returns once the container is out of sight; runc delete, the unmount and the rm of its
    // directory (under containers/.removing) finish in the background a few tens of ms later.
    settled: async () => {
      const left = await untilEmpty(join(root, "containers", ".removing"), SETTLE_MS);
      if (left.length > 0) throw new Error(`the background removal of a run --rm container did not finish within ${SETTLE_MS} ms: ${left.join(", ")} in containers/.removing`);
    },
  };
}

/** How long a side's background work may take: longer is a failure of the side. */
const SETTLE_MS = 2_000;

/** Resolves once `dir` is empty or gone, or after `ms` with what is still in it. */
async function untilEmpty(dir: string, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = await readdir(dir).catch(() => [] as string[]);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** `docker run --rm --network none busybox:bench /bin/busybox true` on the bench's dockerd. */
export function dockerOneShot(d: StartedDockerd | undefined, unavailable: string | undefined): OneShotSide {
  const run = async (cmd: readonly string[]): Promise<CommandResult> => {
    if (d === undefined) throw new Error("no dockerd");
    return d.docker(["run", "--rm", "--network", "none", DOCKER_IMAGE, ...cmd], { timeoutMs: COMMAND_TIMEOUT_MS });
  };
  return {
    name: "docker run", isBerth: false, unavailable: unavailable ?? (d === undefined ? "no dockerd" : undefined),
    once: async () => expectExit(await run(TRUE), 0),
    check: async () => expectExit(await run(EXIT_7), 7),
    leftovers: async () => {
      const r = d === undefined ? undefined : await mustSucceed(d.docker(["ps", "-aq"]));
      if (r !== undefined && r.stdout.trim() !== "") throw new Error(`docker ps -a lists containers after run --rm: ${r.stdout.trim().split("\n").join(", ")}`);
    },
  };
}

/** The floor side's name, which the report's target rows look for. */
export const FLOOR_NAME = "runc run (floor)";
/** The side of runc under berth's spec: no target, shown to tell isolation's cost from berth's. */
export const SPEC_FLOOR_NAME = "runc run (berth's spec)";

/**
 * Bare `runc run` of the prepared bundle: no image store, no overlay, no monitor, no daemon.
 * `name` tells the floor (runc's default spec) from the same rootfs under berth's spec.
 */
export function runcOneShot(floor: RuncFloor | undefined, unavailable: string | undefined, name = FLOOR_NAME): OneShotSide {
  return {
    name, isBerth: false, unavailable: unavailable ?? (floor === undefined ? "no runc bundle" : undefined),
    once: () => (floor === undefined ? Promise.reject(new Error("no runc bundle")) : floor.runOnce()),
    // The bundle's command is fixed; runc's exit-code passing is what the other two are checked against.
    check: async () => undefined,
    leftovers: async () => floor?.leftovers(),
  };
}
