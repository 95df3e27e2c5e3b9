import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ImageStore } from "../src/image/index.js";
import { isBerthError } from "../src/oci/index.js";
import { StackEngine } from "../src/orchestrator/index.js";
import { ContainerRuntime, isRunning, type ProcessIdentity } from "../src/runtime/index.js";
import { isAlive, terminate, waitForExit } from "../test/support/process.js";
import { BERTH_BIN } from "./pull/tools.js";
import type { ObservedReplica } from "./up-readiness.js";
import { mustRunUp, upCommands, type StackSide } from "./up-side.js";

/** How berth keeps the stack: its daemon (`up -d`, the CLI starts it), or a foreground `berth up` (a pass every 2 s) where there is no daemon yet. */
export type BerthMode = "daemon" | "detached" | "foreground";

/** Options for {@link berthSide}. */
export interface BerthSideOptions {
  readonly root: string;
  readonly composeFile: string;
  readonly project: string;
  readonly mode: BerthMode;
  /** Where a foreground `berth up` writes its output (the replicas' logs). */
  readonly logFile: string;
}

const FOREGROUND_STOP_MS = 60_000;
const DOWN_TIMEOUT_S = "5";

const berthArgs = (root: string, args: readonly string[]): string[] => ["--root", root, ...args];

/**
 * berth's side of the bench. `up` is `berth up -f FILE -p NAME -d` (daemon and detached modes)
 * or a foreground `berth up` left running (foreground mode: `up` resolves once it has started,
 * `down` sends it SIGINT first). Observation reads the stack's status in-process with berth's
 * library (`StackEngine.status`: the containers by label, their state and health), which costs
 * no process start per look, as the docker side reads the Engine API.
 */
export function berthSide(opts: BerthSideOptions): StackSide {
  const engine = new StackEngine(new ContainerRuntime(new ImageStore(opts.root)));
  const fileArgs = ["-f", opts.composeFile, "-p", opts.project];
  let foreground: ChildProcess | undefined;
  return {
    name: "berth",
    async up() {
      if (opts.mode !== "foreground") {
        await mustRunUp(BERTH_BIN, berthArgs(opts.root, ["up", ...fileArgs, "-d"]));
        return;
      }
      const log = openSync(opts.logFile, "a");
      foreground = spawn(BERTH_BIN, berthArgs(opts.root, ["up", ...fileArgs]), { stdio: ["ignore", log, log] });
      closeSync(log);
      await new Promise<void>((resolve, reject) => {
        foreground!.once("spawn", resolve);
        foreground!.once("error", reject);
      });
    },
    async observe() {
      try {
        const status = await engine.status(opts.project);
        return status.services.flatMap((s) =>
          s.replicas.map((r): ObservedReplica => ({ service: s.name, id: r.id, running: r.state === "running", health: r.health })));
      } catch (err) {
        if (isBerthError(err, "NOT_FOUND")) return [];
        throw err;
      }
    },
    async pidOf(id) {
      const r = await mustRunUp(BERTH_BIN, berthArgs(opts.root, ["inspect", id]), undefined, 30_000);
      const pid = (JSON.parse(r.stdout) as { State?: { Pid?: unknown } }[])[0]?.State?.Pid;
      if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 1) throw new Error(`berth inspect ${id.slice(0, 12)}: no main process (State.Pid ${JSON.stringify(pid)})`);
      return pid;
    },
    async down() {
      if (foreground?.pid !== undefined) {
        const pid = foreground.pid;
        foreground = undefined;
        // SIGINT is Ctrl-C: the foreground up stops its replicas and exits; down then removes them.
        if (await isAlive(pid)) process.kill(pid, "SIGINT");
        if (!(await waitForExit(pid, FOREGROUND_STOP_MS))) await terminate(pid, 5_000);
      }
      await mustRunUp(BERTH_BIN, berthArgs(opts.root, ["down", "-p", opts.project, "-v", "-t", DOWN_TIMEOUT_S]));
    },
  };
}

/**
 * Stop the daemon of `root`, if one runs: `berth daemon stop` (its containers are gone by then),
 * then by the PID in `<root>/daemon/berth.pid` if that very process (pid and start time) still lives. Best effort, bounded.
 */
export async function stopBerthDaemon(root: string): Promise<void> {
  await upCommands.run(BERTH_BIN, berthArgs(root, ["daemon", "stop"]), { timeoutMs: 60_000 });
  const text = await readFile(join(root, "daemon", "berth.pid"), "utf8").catch(() => "");
  let owner: Partial<ProcessIdentity> = {};
  try {
    owner = JSON.parse(text) as Partial<ProcessIdentity>;
  } catch {
    return; // no pid file, or not one this bench can trust to name the daemon
  }
  // Only the process the file names, started when it says: a pid reused since is someone else's.
  if (typeof owner.pid === "number" && typeof owner.startTime === "string" && (await isRunning({ pid: owner.pid, startTime: owner.startTime }))) {
    await terminate(owner.pid, 10_000);
  }
}

/** How this berth keeps a stack: `daemon` when it has `berth daemon`, else `foreground` for recovery and `detached` for the up part. */
export async function berthHasDaemon(): Promise<boolean> {
  const r = await upCommands.run(BERTH_BIN, ["help", "daemon"], { timeoutMs: 30_000 });
  return r.code === 0;
}
