import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { formatValue } from "../harness/table.js";
import { missing } from "../pull/tools.js";
import { measureRounds, type SideResult } from "./build-rounds.js";
import type { BuildRow } from "./build-table.js";
import { timeRow } from "./build-table.js";
import { berthAt, mustRun } from "./build-tools.js";
import { debianNodeBase, DOCKER_NODE_BASE, importNodeBase, type DebianNodeBase } from "./debian-node-base.js";
import { berthImageSizes, dockerImageSizes, type ImageSizes } from "./image-sizes.js";
import { forbiddenFile, type ForbiddenFile } from "./layer-scan.js";
import { CA_IN_CONTEXT, hostCaFile, makeNodeContexts } from "./node-app-context.js";
import { checkBerthServes, checkDockerServes } from "./node-checks.js";
import { BERTH_NODE_IMAGE, berthNodeSide, DOCKER_NODE_IMAGE, dockerNodeSide, makeBaseTemplate, markFor, NODE_KEYS, type BaseTemplate } from "./node-sides.js";
import { firstLines, type PartContext, type PartReport } from "./part-context.js";

/** Options of part (a) beyond the shared context. */
export interface NodePartOptions extends PartContext {
  /** Where docker's mmdebstrap rootfs is cached between bench runs. */
  readonly baseCacheDir: string;
  readonly refreshBase: boolean;
}

/** Warm rebuild at least 5x faster than docker's; image at most half docker's size (issue 5). */
export const NODE_WARM_TARGET = 5;
export const NODE_SIZE_TARGET = 2;
const PART_TIMEOUT_MS = 40 * 60_000;

const MB = 1e6;

/** npm's configured registry, read now (never named in code), checked to be an http(s) URL. */
async function npmRegistry(): Promise<string> {
  const url = (await mustRun("npm", ["config", "get", "registry"], { timeoutMs: 30_000 })).stdout.trim();
  if (!/^https?:\/\/\S+$/.test(url)) throw new Error(`npm config get registry: "${url}" is not an http(s) URL`);
  return url;
}

/** The host CA file, when one is configured and readable. */
async function usableCa(): Promise<{ path: string; file: ForbiddenFile } | undefined> {
  const path = hostCaFile(process.env);
  if (path === undefined) return undefined;
  await access(path);
  return { path, file: forbiddenFile(CA_IN_CONTEXT, await readFile(path)) };
}

/** docker's base: mmdebstrap's rootfs (cached), imported into the bench's dockerd; or why not. */
async function dockerBase(o: NodePartOptions, notes: string[]): Promise<{ base?: DebianNodeBase; why?: string }> {
  const why = o.noDocker ?? missing(["mmdebstrap"], true);
  if (why !== undefined) return { why };
  try {
    const base = await debianNodeBase(o.baseCacheDir, o.refreshBase, o.log);
    o.signal.throwIfAborted();
    const importSeconds = await importNodeBase(o.docker!, base);
    notes.push(`docker's base ${DOCKER_NODE_BASE}: mmdebstrap --variant=minbase --include=nodejs,npm,ca-certificates bookworm, ` +
      `${formatValue(base.bytes / MB)} MB tar, made in ${formatValue(base.madeInSeconds)} s ${base.madeNow ? "by this run" : `on ${base.madeAt} (cached)`}, ` +
      `at ${base.tarPath}; docker import ${formatValue(importSeconds)} s (untimed)`);
    notes.push(`  mirrors (from the machine's apt sources): ${base.mirrors.join(" | ")}`);
    return { base };
  } catch (err) {
    o.signal.throwIfAborted();
    return { why: `docker's Debian base could not be made: ${firstLines(err)}` };
  }
}

const sizeLine = (name: string, s: ImageSizes): string =>
  `${name}: ${s.layers} layers, ${formatValue(s.compressedBytes / MB)} MB compressed, ${formatValue(s.fileBytes / MB)} MB of files` +
  (s.reportedBytes === undefined ? "" : `, docker image inspect .Size ${formatValue(s.reportedBytes / MB)} MB`);

/** Untimed, after the rounds: sizes of both final images, the CA scan, and both images serving HTTP. */
async function afterRounds(o: NodePartOptions, results: readonly SideResult[], lastRoot: string | undefined, ca: ForbiddenFile | undefined,
  notes: string[], problems: string[]): Promise<{ berth?: ImageSizes; docker?: ImageSizes }> {
  const ok = (isBerth: boolean): boolean => results.find((r) => r.isBerth === isBerth)?.problem === undefined;
  const mark = markFor(o.runs - 1, "warm");
  const out: { berth?: ImageSizes; docker?: ImageSizes } = {};
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      o.signal.throwIfAborted();
      await fn();
    } catch (err) {
      o.signal.throwIfAborted();
      problems.push(`${what}: ${firstLines(err)}`);
    }
  };
  if (ok(true) && lastRoot !== undefined) {
    const berth = berthAt(lastRoot);
    await attempt("berth image sizes", async () => {
      out.berth = await berthImageSizes(berth, BERTH_NODE_IMAGE, join(o.dir, "sizes-berth"), ca);
      notes.push(sizeLine("berth image", out.berth));
    });
    await attempt("berth image serves HTTP", async () => void notes.push(await checkBerthServes(berth, BERTH_NODE_IMAGE, mark, o.cleanup)));
  }
  if (ok(false) && o.docker !== undefined) {
    const docker = o.docker;
    await attempt("docker image sizes", async () => {
      out.docker = await dockerImageSizes(docker, DOCKER_NODE_IMAGE, join(o.dir, "sizes-docker"), ca);
      notes.push(sizeLine("docker image", out.docker));
    });
    await attempt("docker image serves HTTP", async () => void notes.push(await checkDockerServes(docker, DOCKER_NODE_IMAGE, mark, o.cleanup)));
  }
  for (const [name, s] of [["berth", out.berth], ["docker", out.docker]] as const) {
    if (s === undefined || ca === undefined) continue;
    if (s.forbidden.length > 0) problems.push(`the build machine's CA is in ${name}'s final image: ${s.forbidden.join(", ")}`);
    else notes.push(`${name}'s final image holds no copy of the CA file (scanned every layer by content and by name)`);
  }
  return out;
}

/** Part (a): berth's zero-config build of the Node.js fixture against docker build of the same app. */
export async function runNodePart(o: NodePartOptions): Promise<PartReport> {
  const notes: string[] = [];
  const problems: string[] = [];
  const ca = await usableCa();
  const registry = await npmRegistry();
  const ctx = await makeNodeContexts(join(o.dir, "ctx"), DOCKER_NODE_BASE, ca?.path);
  const { why: noBase } = await dockerBase(o, notes);
  let template: BaseTemplate | undefined;
  let noTemplate: string | undefined;
  try {
    o.log("berth: building the node base once into a template root (a one-file app with no dependencies)");
    template = await makeBaseTemplate(join(o.dir, "template"));
    notes.push(`berth's template root (node base built from the apt sources, .debs downloaded): ${formatValue(template.seedSeconds)} s, untimed`);
  } catch (err) {
    o.signal.throwIfAborted();
    noTemplate = `the node base did not build: ${firstLines(err)}`;
  }
  const berthSide = berthNodeSide({ dir: join(o.dir, "roots"), ctx, template: template ?? { root: "", seedSeconds: 0 }, daemons: o.daemons }, noTemplate);
  const dockerSide = dockerNodeSide(noBase === undefined ? o.docker : undefined, ctx, registry, noBase);
  const results = await measureRounds("build (a)", [berthSide, dockerSide], { runs: o.runs, signal: o.signal, timeoutMs: PART_TIMEOUT_MS });
  for (const r of results) if (r.problem !== undefined) problems.push(`${r.name}: ${r.problem}`);
  const sizes = await afterRounds(o, results, berthSide.lastRoot(), ca?.file, notes, problems);
  notes.push(ca === undefined ? "no CA file configured (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE): docker's deps stage gets none"
    : `CA file ${ca.path} (NODE_EXTRA_CA_CERTS, else SSL_CERT_FILE) copied into docker's deps stage only, for npm ci`);
  notes.push(`npm registry (npm config get registry, passed to docker as --build-arg NPM_CONFIG_REGISTRY): ${registry}`);
  const size = (label: string, b: number | undefined, d: number | undefined): BuildRow =>
    ({ label, unit: "MB", berth: b === undefined ? undefined : b / MB, docker: d === undefined ? undefined : d / MB, target: NODE_SIZE_TARGET });
  const rows: BuildRow[] = [
    timeRow("cold, base cached", results, { berth: NODE_KEYS.cold, docker: NODE_KEYS.cold }, undefined),
    timeRow("cold, berth's base built too", results, { berth: NODE_KEYS.coldWithBase, docker: NODE_KEYS.cold }, undefined),
    timeRow("warm, 1 line changed", results, { berth: NODE_KEYS.warm, docker: NODE_KEYS.warm }, NODE_WARM_TARGET),
    size("image, compressed layers", sizes.berth?.compressedBytes, sizes.docker?.compressedBytes),
    size("image, unpacked", sizes.berth?.fileBytes, sizes.docker?.reportedBytes ?? sizes.docker?.fileBytes),
  ];
  const setup = [
    `  app: bench/build/node-app-fixture (express server, 12 production dependencies, 102 packages in the lock); ${o.runs} round(s), side order alternating`,
    `  berth:  berth --root R build -q -t ${BERTH_NODE_IMAGE} CTX   (no Dockerfile; npm ci on this machine with an empty npm cache on cold builds)`,
    `          ${o.daemons.describe()}`,
    "          cold, base cached: R = a copy of a root holding only the node base; cold, base built too: R empty (base resolved, .debs fetched)",
    `  docker: DOCKER_BUILDKIT=0 docker build [--no-cache] --network host -q --build-arg NPM_CONFIG_REGISTRY=… -t ${DOCKER_NODE_IMAGE} CTX`,
    `          two stages on ${DOCKER_NODE_BASE}: deps (package*.json, npm ci --omit=dev with the CA) and final (node_modules from deps, app/, USER, CMD)`,
    "  warm: one line of src/mark.js changed, then the same build again (berth's root and docker's cache kept)",
  ];
  return { title: "build (a): Node.js app, berth zero-config vs docker build", setup, rows, results, notes, problems };
}
