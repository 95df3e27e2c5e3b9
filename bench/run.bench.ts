import { loadavg } from "node:os";
import { join } from "node:path";
import { startDockerd, type StartedDockerd } from "../test/support/dockerd.js";
import { tempDir } from "../test/support/temp-dir.js";
import type { Bench } from "./harness/bench.js";
import type { Cleanup } from "./harness/cleanup.js";
import { measureWithTeardown } from "./harness/ordered-teardown.js";
import { BerthDaemons } from "./harness/berth-daemons.js";
import { missing, versionOf } from "./pull/tools.js";
import { loadIntoBerth, loadIntoDocker, makeBenchBusybox, type BenchBusybox } from "./run/bench-busybox.js";
import { measureBreakdown, type BreakdownGroup } from "./run/breakdown.js";
import { measureDetached, type DetachedResult } from "./run/detached-part.js";
import { berthDetached, dockerDetached, type DetachedSide } from "./run/detached-sides.js";
import { captureBerthSpec } from "./run/berth-spec.js";
import { berthOneShot, dockerOneShot, runcOneShot, SPEC_FLOOR_NAME } from "./run/oneshot-sides.js";
import { measureOneShot, type OneShotResult } from "./run/oneshot-runs.js";
import { makeRuncFloor, type RuncFloor } from "./run/runc-floor.js";
import { parseRunBenchOptions, RUN_USAGE, type RunBenchOptions } from "./run/run-options.js";
import { printRunReport } from "./run/run-report.js";
import { BERTH_BIN, berthAt, RUNC, runCommands } from "./run/run-tools.js";

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const loadNow = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");
const firstLine = (err: unknown): string => (err as Error).message.split("\n")[0] ?? "";

const ONESHOT_TIMEOUT_MS = 30 * 60_000;
const ROUND_TIMEOUT_MS = 20 * 60_000;
const BREAKDOWN_REPS = 5;
/** After Ctrl-C, how long the teardown waits for the measuring code to stop before removing things anyway. */
const SETTLE_TIMEOUT_MS = 90_000;

/** Remove every container `side` lists, best effort: the cleanup of an engine's leftovers. */
const removeListed = (side: DetachedSide) => async (): Promise<void> => {
  const ids = await side.leftovers();
  if (ids.length > 0) await side.remove(ids);
};

/** The bench's own dockerd with the image loaded, or why there is none. */
async function startRunDockerd(dir: string, image: BenchBusybox, cleanup: Cleanup): Promise<{ dockerd?: StartedDockerd; why?: string }> {
  const why = missing(["dockerd", "docker"], true);
  if (why !== undefined) return { why };
  let dockerd: StartedDockerd;
  try {
    dockerd = await startDockerd({ dir });
  } catch (err) {
    return { why: `dockerd did not start: ${firstLine(err)}` };
  }
  cleanup.defer(`stop dockerd (pid ${dockerd.pid})`, () => dockerd.stop());
  cleanup.defer("remove docker's containers", removeListed(dockerDetached(dockerd)));
  log(`started dockerd (pid ${dockerd.pid}, data root ${dockerd.dataRoot})`);
  try {
    await loadIntoDocker(image, dockerd);
    return { dockerd };
  } catch (err) {
    return { why: `docker load of the busybox archive failed: ${firstLine(err)}` };
  }
}

/** Parts of one run, sharing the temp dir, the engines and the stop switch. */
async function runRunBench(args: readonly string[], outer: Cleanup): Promise<number> {
  let opts: RunBenchOptions;
  try {
    opts = parseRunBenchOptions(args);
  } catch (err) {
    log(`${(err as Error).message}\n${RUN_USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    log(`run bench: skipped: containers need root (runc, overlay mounts, dockerd); running as uid ${process.getuid?.()}`);
    return 0;
  }
  const lacking = missing([RUNC, "conmon", "mount", "umount", "tar", "/bin/busybox"], true);
  if (lacking !== undefined) {
    log(`run bench: berth cannot run containers here: ${lacking}`);
    return 1;
  }
  return measureWithTeardown(outer, "run bench", runCommands, SETTLE_TIMEOUT_MS, (cleanup, signal) => measureAll(opts, cleanup, signal));
}

async function measureAll(opts: RunBenchOptions, cleanup: Cleanup, signal: AbortSignal): Promise<number> {
  const began = Date.now();
  const loadAtStart = loadNow();
  // Short prefix: dockerd's containerd puts unix sockets below it (108-byte limit).
  const tmp = await tempDir("bbr-");
  cleanup.defer(`remove ${tmp.path}`, tmp.remove);
  const image = await makeBenchBusybox(tmp.path);
  signal.throwIfAborted();
  const { dockerd, why: noDocker } = await startRunDockerd(join(tmp.path, "d"), image, cleanup);
  signal.throwIfAborted();
  if (noDocker !== undefined) log(`docker side not run: ${noDocker}`);

  const berthRoot = join(tmp.path, "berth");
  cleanup.defer("remove berth's containers", removeListed(berthDetached(berthRoot)));
  await loadIntoBerth(image, berthRoot);
  const daemons = new BerthDaemons(opts.berthDaemon, cleanup, berthAt, "container");
  await daemons.use(berthRoot);

  let floor: RuncFloor | undefined;
  let noFloor: string | undefined;
  try {
    floor = await makeRuncFloor(join(tmp.path, "floor"), image.layerBlob);
    cleanup.defer("delete runc floor containers", () => floor!.dispose());
  } catch (err) {
    noFloor = `runc bundle: ${firstLine(err)}`;
  }
  // The same rootfs under the spec berth gives its containers: what runc itself pays for berth's isolation.
  let specFloor: RuncFloor | undefined;
  let noSpecFloor: string | undefined;
  try {
    specFloor = await makeRuncFloor(join(tmp.path, "floor-berth-spec"), image.layerBlob, await captureBerthSpec(berthRoot));
    cleanup.defer("delete runc containers of berth's spec", () => specFloor!.dispose());
  } catch (err) {
    noSpecFloor = `runc bundle with berth's spec: ${firstLine(err)}`;
  }
  signal.throwIfAborted();

  const versions = [
    `berth ${await versionOf(BERTH_BIN, ["--version"])}`,
    await versionOf(RUNC, ["--version"]),
    await versionOf("conmon", ["--version"]),
    dockerd === undefined ? "docker: not run" : `docker CLI / dockerd ${(await dockerd.docker(["version", "--format", "{{.Client.Version}} / {{.Server.Version}}"])).stdout.trim()}`,
    `node ${process.version}`,
  ];

  let oneShot: OneShotResult[] = [];
  if (opts.parts.includes("oneshot")) {
    log(`run --rm: ${opts.warmup} warm-ups, then ${opts.runs} timed runs per side`);
    oneShot = await measureOneShot(
      [berthOneShot(berthRoot, undefined), dockerOneShot(dockerd, noDocker), runcOneShot(floor, noFloor),
        runcOneShot(specFloor, noSpecFloor, SPEC_FLOOR_NAME)],
      { runs: opts.runs, warmup: opts.warmup, signal, timeoutMs: ONESHOT_TIMEOUT_MS },
    );
  }
  let detached: DetachedResult[] = [];
  if (opts.parts.includes("detached")) {
    detached = await measureDetached([
      { name: "berth", isBerth: true, side: berthDetached(berthRoot), unavailable: undefined },
      { name: "docker", isBerth: false, side: dockerd === undefined ? undefined : dockerDetached(dockerd), unavailable: noDocker },
    ], { rounds: opts.rounds, containers: opts.containers, roundTimeoutMs: ROUND_TIMEOUT_MS, signal });
  }
  let breakdown: BreakdownGroup[] = [];
  if (opts.parts.includes("breakdown")) {
    log(`breakdown: each step alone, ${BREAKDOWN_REPS} times`);
    breakdown = await measureBreakdown({ berthRoot, floor, dockerd, reps: BREAKDOWN_REPS, signal });
  }
  printRunReport({ opts, oneShot, detached, breakdown, versions, berthSetup: daemons.describe(), loadAtStart, loadAtEnd: loadNow() });
  process.stdout.write(`total ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
  const incomplete = [...oneShot, ...detached].some((r) => r.problem !== undefined);
  return incomplete ? 1 : 0;
}

/** `run --rm … true` against docker and bare runc, and 50 detached containers against docker: time and memory. */
export const runBench: Bench = {
  name: "run",
  description: "container start: run --rm true (vs docker run, runc floor), 50 detached containers (time, memory per container vs docker)",
  run: runRunBench,
};
