import { mkdir } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startDistribution } from "../test/support/distribution.js";
import { startDockerd, type StartedDockerd } from "../test/support/dockerd.js";
import { tempDir } from "../test/support/temp-dir.js";
import type { Bench } from "./harness/bench.js";
import type { Cleanup } from "./harness/cleanup.js";
import { timed } from "./harness/timing.js";
import { makeBenchImage, type BenchImage } from "./pull/bench-image.js";
import { measureRow, type ContenderResult } from "./pull/contender.js";
import { measureFloors } from "./pull/floors.js";
import { layerPlan } from "./pull/layer-plan.js";
import { berthPull, dockerPull, removeTree, skopeoUmociPull } from "./pull/pull-contenders.js";
import { parsePullBenchOptions, PULL_USAGE, type PullBenchOptions, type PullRowId } from "./pull/pull-options.js";
import { printPullReport, type ToolVersions } from "./pull/pull-report.js";
import { checkRegistryImage } from "./pull/scratch-registry.js";
import { berth, BERTH_BIN, berthLacks, commands, missing, skopeo, versionOf } from "./pull/tools.js";
import { berthCopy, berthPush, skopeoCopy, skopeoPush, type TransferRowContext } from "./pull/transfer-contenders.js";

const REPO = "bench/image";
const TAG = "v1";

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const loadNow = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");

/** The image in its layout and in the source registry every pull and copy reads from. */
interface Source {
  readonly image: BenchImage;
  readonly ref: string;
  readonly host: string;
}

async function makeSource(opts: PullBenchOptions, dir: string, cleanup: Cleanup): Promise<Source> {
  log(`making the bench image: 10 layers, about ${opts.mib} MiB of files (tar-stream + gzip level 6)`);
  const made = await timed(() => makeBenchImage(join(dir, "layout"), layerPlan(opts.mib), TAG));
  const image = made.value;
  log(`  ${image.layers.length} layers, ${image.files} files in ${(made.ms / 1000).toFixed(1)} s; manifest ${image.manifest.digest}`);
  const reg = await startDistribution({ dir: join(dir, "source-registry") });
  cleanup.defer(`stop source registry ${reg.host} (pid ${reg.pid})`, () => reg.stop());
  const ref = `${reg.host}/${REPO}:${TAG}`;
  log(`seeding ${ref} with skopeo copy`);
  await skopeo(["copy", "--quiet", "--dest-tls-verify=false", `oci:${image.layoutDir}:${TAG}`, `docker://${ref}`], dir);
  await checkRegistryImage(reg.url, REPO, TAG, image);
  return { image, ref, host: reg.host };
}

/** A dockerd of the bench's own (own data root, no bridge), or why there is none. */
async function startBenchDockerd(dir: string, cleanup: Cleanup): Promise<{ dockerd?: StartedDockerd; why?: string }> {
  const why = missing(["dockerd", "docker"], true);
  if (why !== undefined) return { why };
  try {
    const dockerd = await startDockerd({ dir });
    cleanup.defer(`stop dockerd (pid ${dockerd.pid})`, () => dockerd.stop());
    log(`started dockerd (pid ${dockerd.pid}, data root ${dockerd.dataRoot})`);
    return { dockerd };
  } catch (err) {
    return { why: `dockerd did not start: ${(err as Error).message.split("\n")[0]}` };
  }
}

/** What the rows share: the source, the dirs, the cleanup, the run count. */
interface RowSetup {
  readonly src: Source;
  readonly tmp: string;
  readonly work: string;
  readonly cleanup: Cleanup;
  readonly runs: number;
}

/** The pull + unpack row; starts dockerd for it and stops it after. Fills in the docker version. */
async function pullRow({ src, tmp, work, cleanup, runs }: RowSetup, lacksPull: string | undefined, versions: ToolVersions): Promise<ContenderResult[]> {
  const { dockerd, why } = await startBenchDockerd(join(tmp, "d"), cleanup);
  if (dockerd !== undefined) {
    const v = await dockerd.docker(["version", "--format", "{{.Client.Version}} / {{.Server.Version}}"]);
    versions.docker = `docker CLI / dockerd ${v.stdout.trim()}`;
  }
  const ctx = { image: src.image, ref: src.ref, workDir: work };
  try {
    return await measureRow("pull + unpack", [
      berthPull(ctx, lacksPull),
      skopeoUmociPull(ctx, missing(["umoci"], true)),
      dockerPull(ctx, dockerd, why),
    ], runs);
  } finally {
    // The other rows do not need it; a stopped daemon leaves the 2 cores to them.
    await dockerd?.stop();
  }
}

/** berth's push reads from its own store: fill one, untimed, with the image. */
async function berthStore(src: Source, work: string, lacks: string | undefined): Promise<{ store: string; why?: string }> {
  const store = join(work, "berth-store");
  if (lacks !== undefined) return { store, why: lacks };
  try {
    await berth(["--root", store, "pull", "--quiet", src.ref]);
    return { store };
  } catch (err) {
    return { store, why: `untimed berth pull into the push store failed: ${(err as Error).message.split("\n")[0]}` };
  }
}

async function runPullBench(args: readonly string[], cleanup: Cleanup): Promise<number> {
  let opts: PullBenchOptions;
  try {
    opts = parsePullBenchOptions(args);
  } catch (err) {
    log(`${(err as Error).message}\n${PULL_USAGE}`);
    return 2;
  }
  const required = missing(["skopeo", "docker-registry"], false);
  if (required !== undefined) {
    log(`pull bench: cannot make the source registry: ${required}`);
    return 1;
  }
  const began = Date.now();
  const loadAtStart = loadNow();
  // Short prefix: dockerd's containerd puts unix sockets below it (108-byte limit).
  const tmp = await tempDir("bbp-");
  cleanup.defer(`remove ${tmp.path}`, tmp.remove);
  cleanup.defer("stop tools still running", () => commands.stopAll());
  const work = join(tmp.path, "w");
  await mkdir(work);

  const src = await makeSource(opts, tmp.path, cleanup);
  const lacks = { pull: await berthLacks("pull"), push: await berthLacks("push"), copy: await berthLacks("copy") };
  const versions: ToolVersions = {
    berth: await versionOf(BERTH_BIN, ["--version"]),
    skopeo: await versionOf("skopeo", ["--version"]),
    umoci: await versionOf("umoci", ["--version"]),
    registry: await versionOf("docker-registry", ["--version"]),
    docker: "docker: not started",
  };
  log(`floors: inflate + verify of every layer, raw push of every blob; ${opts.runs} runs`);
  const floors = await measureFloors(src.image, work, opts.runs, cleanup);

  const setup: RowSetup = { src, tmp: tmp.path, work, cleanup, runs: opts.runs };
  const results = new Map<PullRowId, ContenderResult[]>();
  if (opts.rows.includes("pull")) results.set("pull", await pullRow(setup, lacks.pull, versions));
  const tctx: TransferRowContext = { image: src.image, srcRef: src.ref, repo: REPO, tag: TAG, workDir: work, cleanup };
  if (opts.rows.includes("push")) {
    const { store, why } = await berthStore(src, work, lacks.push ?? lacks.pull);
    results.set("push", await measureRow("push", [berthPush(tctx, store, why), skopeoPush(tctx, undefined)], opts.runs));
    await removeTree(store);
  }
  if (opts.rows.includes("copy")) {
    results.set("copy", await measureRow("copy", [berthCopy(tctx, lacks.copy), skopeoCopy(tctx, undefined)], opts.runs));
  }
  printPullReport({ opts, image: src.image, source: src.host, results, floors, versions, loadAtStart, loadAtEnd: loadNow() });
  process.stdout.write(`total ${((Date.now() - began) / 1000).toFixed(0)} s\n`);
  const incomplete = [...results.values()].flat().some((r) => r.problem !== undefined);
  return incomplete ? 1 : 0;
}

/** Pull + unpack, push and registry-to-registry copy of a 10-layer image: berth vs skopeo, umoci and docker. */
export const pullBench: Bench = {
  name: "pull",
  description: "pull + unpack (vs skopeo + umoci, docker pull), push and copy (vs skopeo) of a 10-layer ~300 MiB image",
  run: runPullBench,
};
