import { loadavg } from "node:os";
import { join } from "node:path";
import { startDockerd } from "../test/support/dockerd.js";
import { freePort } from "../test/support/free-port.js";
import { pidsWithCommandLine, terminate } from "../test/support/process.js";
import { tempDir } from "../test/support/temp-dir.js";
import type { Bench } from "./harness/bench.js";
import type { Cleanup } from "./harness/cleanup.js";
import { measureWithTeardown } from "./harness/ordered-teardown.js";
import { BERTH_BIN, missing, versionOf } from "./pull/tools.js";
import { berthHasDaemon, berthSide, stopBerthDaemon, type BerthMode } from "./up-berth-side.js";
import { measureColdStarts, type SideTimes } from "./up-cold-start.js";
import { composeSide, docker, initSwarm, leaveSwarm, swarmSide, type BenchDockerd } from "./up-docker-sides.js";
import { buildShopImages, loadShopImagesIntoDocker, SHOP_DIR } from "./up-images.js";
import { parseUpBenchOptions, UP_USAGE, type UpBenchOptions } from "./up-options.js";
import { measureRecovery } from "./up-recovery.js";
import { isComplete, printUpReport } from "./up-report.js";
import { upCommands } from "./up-side.js";
import { writeBenchStackFiles, type WrittenStackFiles } from "./up-stack-files.js";

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const loadNow = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");
/** After Ctrl-C, how long the teardown waits for the measuring code to stop before removing things anyway. */
const SETTLE_TIMEOUT_MS = 90_000;
const BERTH_PROJECT = "shopbench";
const COMPOSE_PROJECT = "shopbench";
const SWARM_PROJECT = "shopswarm";

/** The bench's `up` entry: flags, root check, then {@link measureAll} under one teardown step. */
async function runUpBench(args: readonly string[], outer: Cleanup): Promise<number> {
  let opts: UpBenchOptions;
  try {
    opts = parseUpBenchOptions(args);
  } catch (err) {
    log(`${(err as Error).message}\n${UP_USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    log(`up bench: skipped: containers need root (runc, overlay mounts, netavark, dockerd); running as uid ${process.getuid?.()}`);
    return 0;
  }
  const lacking = missing(["runc", "conmon", "/usr/lib/podman/netavark", "mount", "dockerd", "docker", "docker-compose"], true);
  if (lacking !== undefined) {
    log(`up bench: cannot run: ${lacking}`);
    return 1;
  }
  return measureWithTeardown(outer, "up bench", upCommands, SETTLE_TIMEOUT_MS, (cleanup, signal) => measureAll(opts, cleanup, signal));
}

/** Start the bench's dockerd, register its stop, load the images berth built. */
async function startBenchDockerd(dir: string, root: string, archive: string, cleanup: Cleanup): Promise<BenchDockerd> {
  const dockerd = await startDockerd({ dir });
  const d: BenchDockerd = { dockerd, dir };
  cleanup.defer(`stop dockerd (pid ${dockerd.pid})`, () => dockerd.stop());
  log(`started dockerd (pid ${dockerd.pid}, data root ${dockerd.dataRoot})`);
  await loadShopImagesIntoDocker(root, d, archive);
  return d;
}

async function measureAll(opts: UpBenchOptions, cleanup: Cleanup, signal: AbortSignal): Promise<number> {
  const began = Date.now();
  const loadAtStart = loadNow();
  // Short prefix: dockerd's containerd puts unix sockets below it (108-byte limit).
  const tmp = await tempDir("bup-");
  cleanup.defer(`remove ${tmp.path}`, tmp.remove);
  // Last before the removal: berth's per-root helpers (the health monitor ends 5 s after its
  // last container) and anything else started with this run's own paths on its command line.
  cleanup.defer("stop processes of this run's temp dir", async () => {
    for (const pid of await pidsWithCommandLine(`${tmp.path}/`)) await terminate(pid, 10_000);
  });
  const root = join(tmp.path, "berth");
  log("building the shop's images with berth (examples/shop/build.sh)");
  const built = await buildShopImages(root);
  signal.throwIfAborted();
  const files = await writeBenchStackFiles(join(SHOP_DIR, "compose.yaml"), tmp.path, {
    publish: await freePort(),
    ...(opts.swarmRestartDelay !== undefined && { swarmRestartDelay: opts.swarmRestartDelay }),
  });
  const d = await startBenchDockerd(join(tmp.path, "d"), root, join(tmp.path, "shop.tar"), cleanup);
  signal.throwIfAborted();
  const hasDaemon = await berthHasDaemon();
  // Whatever a failed round left: berth's stack (and its daemon), compose's; swarm's goes with the swarm.
  if (hasDaemon) cleanup.defer("stop berth's daemon", () => stopBerthDaemon(root));
  cleanup.defer("berth down", async () => void (await upCommands.run(BERTH_BIN, ["--root", root, "down", "-p", BERTH_PROJECT, "-v", "-t", "2"], { timeoutMs: 120_000 })));
  const berthOf = (mode: BerthMode) => berthSide({ root, composeFile: files.composeFile, project: BERTH_PROJECT, mode, logFile: join(tmp.path, "berth-up.log") });
  const replicas = Object.values(files.expected).reduce((a, b) => a + b, 0);
  const common = { expected: files.expected, timeoutMs: opts.timeoutMs, signal, log };

  let up: SideTimes[] = [];
  if (opts.parts.includes("up")) {
    log(`up: ${opts.warmup} warm-up and ${opts.runs} timed cold starts per side, ${replicas} replicas`);
    up = await measureColdStarts([berthOf(hasDaemon ? "daemon" : "detached"), composeSide(d, files.composeFile, COMPOSE_PROJECT)], { ...common, warmup: opts.warmup, runs: opts.runs });
  }
  let recovery: SideTimes[] = [];
  if (opts.parts.includes("recovery")) recovery = await measureRecoveries(opts, d, files, hasDaemon ? "daemon" : "foreground", berthOf, common);

  const mode = hasDaemon
    ? "berth keeps the stack with its daemon (`berth up -d`; the CLI started it)"
    : "berth has no daemon yet: up part `berth up -d` (no reconcile loop); recovery part a foreground `berth up` left running (a reconcile pass every 2 s) as a stand-in";
  printUpReport({
    setup: [
      `berth ${await versionOf(BERTH_BIN, ["--version"])}; ${await versionOf("docker-compose", ["version", "--short"])} (docker-compose); dockerd ${(await docker(d, ["version", "--format", "{{.Server.Version}}"])).stdout.trim()}; node ${process.version}`,
      built,
      mode,
      `load average at start ${loadAtStart}, at end ${loadNow()}`,
    ],
    replicas, up, recovery, killed: opts.service,
    notes: notesFor(opts, hasDaemon),
  });
  process.stdout.write(`total ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
  return isComplete({ up, recovery }) ? 0 : 1;
}

/** The recovery part: berth, then swarm (swarm mode is entered only for its turn and left after). */
async function measureRecoveries(
  opts: UpBenchOptions, d: BenchDockerd, files: WrittenStackFiles, mode: BerthMode,
  berthOf: (mode: BerthMode) => ReturnType<typeof berthSide>,
  common: { expected: Readonly<Record<string, number>>; timeoutMs: number; signal: AbortSignal; log: (l: string) => void },
): Promise<SideTimes[]> {
  const rec = { ...common, service: opts.service, kills: opts.kills };
  log(`recovery: ${opts.kills} kill -9 of a ${opts.service} replica per side`);
  const berth = await measureRecovery(berthOf(mode), rec);
  common.signal.throwIfAborted();
  await initSwarm(d);
  try {
    return [berth, await measureRecovery(swarmSide(d, files.swarmFile, SWARM_PROJECT), rec)];
  } finally {
    await leaveSwarm(d);
  }
}

function notesFor(opts: UpBenchOptions, hasDaemon: boolean): string[] {
  return [
    "up: from starting the command (berth up -d / docker-compose up -d) until every replica runs and is healthy and the command has returned; down (untimed) between rounds.",
    "recovery: from kill -9 of the replica's main process (host pid from berth inspect / the Engine API) until the service again has all its replicas running and healthy, the killed container not counted.",
    `swarm restart delay: ${opts.swarmRestartDelay ?? "swarm's default (5s; `restart:` of the compose file is ignored by docker stack deploy)"}; berth applies restart: unless-stopped itself.`,
    "health: both sides poll every 100 ms in-process (berth's StackEngine.status; the Engine API's container list for docker); docker runs the first health check 3 s (interval) after a start; berth checks every second in the start period until the first success (its default when start_interval is not set).",
    ...(hasDaemon && opts.warmup === 0 ? ["--warmup 0: berth's first timed up includes starting its daemon."] : []),
  ];
}

/** The shop stack: `berth up` vs docker-compose to all healthy, and recovery after kill -9 vs docker swarm. */
export const upBench: Bench = {
  name: "up",
  description: "the shop stack (10 replicas): up to all healthy vs docker-compose, recovery after kill -9 of a replica vs docker swarm",
  run: runUpBench,
};
