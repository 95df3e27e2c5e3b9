import { mkdir } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startDockerd, type StartedDockerd } from "../test/support/dockerd.js";
import { tempDir } from "../test/support/temp-dir.js";
import type { Bench } from "./harness/bench.js";
import type { Cleanup } from "./harness/cleanup.js";
import { measureWithTeardown } from "./harness/ordered-teardown.js";
import { BerthDaemons } from "./harness/berth-daemons.js";
import { missing, versionOf } from "./pull/tools.js";
import { BUILD_USAGE, parseBuildBenchOptions, type BuildBenchOptions } from "./build/build-options.js";
import { printPartReport } from "./build/build-report.js";
import { formatValue } from "./harness/table.js";
import { BERTH_BIN, berthAt, buildCommands, dockerCli, startSeconds, type Cli } from "./build/build-tools.js";
import { runDockerfilePart } from "./build/dockerfile-part.js";
import { runNodePart } from "./build/node-part.js";
import { firstLines, type PartContext, type PartReport } from "./build/part-context.js";

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const loadNow = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");

/** docker's mmdebstrap rootfs is kept here between runs (several minutes to make, a few hundred MB). */
export const BASE_CACHE_DIR = join(tmpdir(), "berth-bench-cache", "build");
/** After Ctrl-C, how long the teardown waits for the measuring code to stop before removing things anyway. */
const SETTLE_TIMEOUT_MS = 60_000;

/** The bench's own dockerd and a legacy-builder docker CLI for it, or why there is none. */
async function startBuildDockerd(dir: string, cleanup: Cleanup): Promise<{ dockerd?: StartedDockerd; docker?: Cli; why?: string }> {
  const why = missing(["dockerd", "docker"], true);
  if (why !== undefined) return { why };
  let dockerd: StartedDockerd;
  try {
    dockerd = await startDockerd({ dir });
  } catch (err) {
    return { why: `dockerd did not start: ${firstLines(err, 1)}` };
  }
  cleanup.defer(`stop dockerd (pid ${dockerd.pid})`, () => dockerd.stop());
  log(`started dockerd (pid ${dockerd.pid}, data root ${dockerd.dataRoot})`);
  return { dockerd, docker: await dockerCli(dockerd, dir) };
}

async function runBuildBench(args: readonly string[], outer: Cleanup): Promise<number> {
  let opts: BuildBenchOptions;
  try {
    opts = parseBuildBenchOptions(args);
  } catch (err) {
    log(`${(err as Error).message}\n${BUILD_USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    log(`build bench: skipped: RUN steps, berth run and dockerd need root; running as uid ${process.getuid?.()}`);
    return 0;
  }
  const lacking = missing(["npm", "tar", "cp", "/bin/busybox"], true);
  if (lacking !== undefined) {
    log(`build bench: cannot run: ${lacking}`);
    return 1;
  }
  return measureWithTeardown(outer, "build bench", buildCommands, SETTLE_TIMEOUT_MS, (cleanup, signal) => measureAll(opts, cleanup, signal));
}

async function measureAll(opts: BuildBenchOptions, cleanup: Cleanup, signal: AbortSignal): Promise<number> {
  const began = Date.now();
  const loadAtStart = loadNow();
  // Short prefix: dockerd's containerd puts unix sockets below it (108-byte limit).
  const tmp = await tempDir("bbb-");
  cleanup.defer(`remove ${tmp.path}`, tmp.remove);
  const { dockerd, docker, why: noDocker } = await startBuildDockerd(join(tmp.path, "d"), cleanup);
  if (noDocker !== undefined) log(`docker side not run: ${noDocker}`);
  signal.throwIfAborted();
  const versions = [
    `berth ${await versionOf(BERTH_BIN, ["--version"])}`,
    dockerd === undefined ? "docker: not run" : `docker CLI / dockerd ${(await dockerd.docker(["version", "--format", "{{.Client.Version}} / {{.Server.Version}}"])).stdout.trim()}`,
    await versionOf("mmdebstrap", ["--version"]),
    `npm ${await versionOf("npm", ["--version"])}`,
    `node ${process.version}`,
  ];
  // Every timed build pays one CLI start; these say how much of a warm build that is.
  const starts = `process start (median of 5): berth --version ${formatValue(await startSeconds(berthAt(join(tmp.path, "empty-root")), ["--version"]))} s` +
    (docker === undefined ? "" : `, docker version ${formatValue(await startSeconds(docker, ["version", "--format", "{{.Server.Version}}"]))} s`);
  const reports: PartReport[] = [];
  const daemons = new BerthDaemons(opts.berthDaemon, cleanup, berthAt);
  const part = async (name: string): Promise<PartContext> => {
    const dir = join(tmp.path, name);
    await mkdir(dir, { recursive: true });
    return { dir, runs: opts.runs, signal, cleanup, docker, noDocker, log, daemons };
  };
  if (opts.parts.includes("node")) {
    log(`build (a): Node.js app, ${opts.runs} round(s)`);
    reports.push(await runNodePart({ ...(await part("a")), baseCacheDir: BASE_CACHE_DIR, refreshBase: opts.refreshBase }));
  }
  if (opts.parts.includes("dockerfile")) {
    log(`build (b): multi-stage Dockerfile, ${opts.runs} round(s)`);
    reports.push(await runDockerfilePart(await part("b")));
  }
  process.stdout.write(`\nbuild bench: ${opts.runs} round(s); tools: ${versions.join("; ")}\n`);
  process.stdout.write(`  ${starts}\n`);
  process.stdout.write(`  load average at start ${loadAtStart}, at end ${loadNow()} (other work on the machine shows up as spread)\n`);
  for (const r of reports) printPartReport(r);
  process.stdout.write(`\ntotal ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
  return reports.some((r) => r.problems.length > 0) ? 1 : 0;
}

/** berth build against docker build: (a) a Node.js app, zero-config vs a Dockerfile; (b) a multi-stage Dockerfile. */
export const buildBench: Bench = {
  name: "build",
  description: "image builds: a Node.js app (berth zero-config vs docker build, cold/warm, sizes), a multi-stage Dockerfile (berth build vs docker build)",
  run: runBuildBench,
};
