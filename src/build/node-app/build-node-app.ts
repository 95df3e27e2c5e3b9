import { basename, join, resolve } from "node:path";
import { fullName, openImage, unpackFor, type ImageStore } from "../../image/index.js";
import { InvalidArgumentError, type Descriptor } from "../../oci/index.js";
import { findDockerfile } from "../find-dockerfile.js";
import { writeLayer, type WrittenLayer } from "../layer-writer.js";
import { APP_DIR, chooseAppCommand, type AppCommand } from "./app-command.js";
import { writeAppImage } from "./app-image-writer.js";
import { ContextFilter } from "./context-filter.js";
import { readContextTree } from "./context-tree.js";
import { dependenciesLayer } from "./dependencies-layer.js";
import { DockerfileNotSupportedError } from "./errors.js";
import { gitLabels, LABEL_CREATED, LABEL_SOURCE } from "./git-labels.js";
import { abiOfDebianNodeVersion } from "./native-addons.js";
import { ensureNodeBase } from "./node-base.js";
import { readPackageManifest } from "./package-manifest.js";

/** Options for {@link buildNodeApp}. */
export interface BuildNodeAppOptions {
  /** Image name; default `localhost/<package name>:latest`. */
  readonly reference?: string;
  /** Base spec/lock, dependency layer records, .deb downloads; default `<store root>/build-cache`. */
  readonly cacheDir?: string;
  /** Run npm again and rebuild the base's layers from its lock. */
  readonly noCache?: boolean;
  /** `8080`, `8080/tcp` or `53/udp`: the image's ExposedPorts. */
  readonly expose?: readonly string[];
  /** Debian mirror for the first base build; default the machine's apt sources. */
  readonly mirror?: string;
  /** SOURCE_DATE_EPOCH, npm's configuration and proxies come from here (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Unpack the image so `berth run` starts at once (default true). */
  readonly unpack?: boolean;
  /** One line per step: `#2 dependencies … CACHED 0.0s`. */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** One step of a build, for the summary. */
export interface BuildStep {
  readonly name: "base" | "dependencies" | "app" | "image";
  readonly isCached: boolean;
  readonly ms: number;
}

/** What {@link buildNodeApp} made. */
export interface BuiltNodeApp {
  readonly name: string;
  readonly descriptor: Descriptor;
  readonly base: Descriptor;
  /** Undefined when the project installs no dependencies. */
  readonly dependencies?: WrittenLayer;
  readonly app: WrittenLayer;
  readonly command: AppCommand;
  readonly steps: readonly BuildStep[];
}

const PORT = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/;

/**
 * `berth build DIR` for a Node.js project with no Dockerfile: a distroless
 * image of three parts — the node base (ensureNodeBase, reused while its
 * lock holds), `/app/node_modules` from `npm ci --omit=dev` (reused while
 * the dependency cache key holds) and the app's files at /app (context
 * filter: .dockerignore, else .gitignore, and the default excludes). Entry
 * point `/usr/bin/node`, Cmd from package.json (chooseAppCommand), user
 * 65532, NODE_ENV=production, OCI labels source/revision (git) and created.
 * Every timestamp is SOURCE_DATE_EPOCH, else the base lock's epoch, so an
 * unchanged project rebuilds to the same digest and a changed source file
 * changes only the app layer.
 *
 * Throws DockerfileNotSupportedError, InvalidArgumentError (package.json,
 * ignore file, --expose, SOURCE_DATE_EPOCH), NoAppCommandError, and what
 * ensureNodeBase and dependenciesLayer throw.
 */
export async function buildNodeApp(store: ImageStore, contextDir: string, opts: BuildNodeAppOptions = {}): Promise<BuiltNodeApp> {
  const dir = resolve(contextDir);
  const progress = opts.onProgress ?? (() => undefined);
  const env = opts.env ?? process.env;
  const dockerfile = await findDockerfile(dir);
  if (dockerfile !== undefined) throw new DockerfileNotSupportedError(dockerfile);
  const manifest = await readPackageManifest(dir);
  const exposedPorts = (opts.expose ?? []).map(parsePort);
  const name = fullName(opts.reference ?? defaultReference(manifest.name, dir)).name;
  const cacheDir = opts.cacheDir ?? join(store.root, "build-cache");
  const steps: BuildStep[] = [];
  const step = async <T>(n: BuildStep["name"], label: string, fn: () => Promise<{ value: T; isCached: boolean; detail?: string }>): Promise<T> => {
    const started = Date.now();
    progress(`#${steps.length + 1} ${n}: ${label}`);
    const r = await fn();
    const ms = Date.now() - started;
    steps.push({ name: n, isCached: r.isCached, ms });
    progress(`#${steps.length} ${n}: ${r.detail ? `${r.detail} ` : ""}${r.isCached ? "CACHED" : "DONE"} ${(ms / 1000).toFixed(1)}s`);
    return r.value;
  };

  return store.withLease(async () => {
    const base = await step("base", "Debian nodejs, ca-certificates, tzdata; user nonroot", async () => {
      const b = await ensureNodeBase(store, { cacheDir, ...(opts.noCache && { noCache: true }), ...(opts.mirror && { mirror: opts.mirror }), env, onProgress: (l) => progress(`   ${l}`) });
      return { value: b, isCached: b.isCached, detail: `nodejs ${b.nodeVersion}` };
    });
    const epoch = sourceDateEpoch(env) ?? base.epoch;
    const deps = await step("dependencies", "npm ci --omit=dev", async () => {
      const imageAbi = abiOfDebianNodeVersion(base.nodeVersion);
      const d = await dependenciesLayer(store, dir, manifest, {
        cacheDir, baseDigest: base.descriptor.digest, epoch, env,
        ...(imageAbi !== undefined && { imageAbi }), ...(opts.noCache && { noCache: true }), ...(opts.signal && { signal: opts.signal }),
      });
      return { value: d, isCached: d?.isCached ?? true, detail: d ? `${d.layer.descriptor.digest.slice(0, 19)}` : "nothing to install" };
    });
    const app = await step("app", `${dir} → ${APP_DIR}`, async () => {
      const filter = await ContextFilter.load(dir);
      const tree = await readContextTree(dir, APP_DIR.slice(1), filter);
      const files = new Set(tree.entries.filter((e) => e.type !== "directory").map((e) => e.path.slice(`${APP_DIR.slice(1)}/`.length)));
      const command = chooseAppCommand(manifest, (p) => files.has(p), join(dir, "package.json"));
      const layer = await writeLayer(tree.entries, epoch, store.content);
      const skipped = tree.skipped.length > 0 ? `, ${tree.skipped.length} sockets/FIFOs/devices left out` : "";
      return { value: { layer, command }, isCached: false, detail: `${files.size} files${filter.source ? ` (${filter.source})` : ""}${skipped}, cmd ${command.cmd.join(" ")} (from ${command.source})` };
    });
    const descriptor = await step("image", name, async () => {
      const baseView = await openImage(store.content, base.descriptor);
      const git = await gitLabels(dir);
      const source = git[LABEL_SOURCE] ?? manifest.repository;
      const layers = [...(deps ? [deps.layer] : []), app.layer];
      const d = await writeAppImage(baseView, layers, {
        epochSeconds: epoch, entrypoint: ["/usr/bin/node"], cmd: app.command.cmd, workdir: APP_DIR, user: "65532:65532",
        env: ["NODE_ENV=production"], exposedPorts,
        labels: { ...git, ...(source !== undefined && { [LABEL_SOURCE]: source }), [LABEL_CREATED]: new Date(epoch * 1000).toISOString() },
        history: [...(deps ? ["berth build: npm ci --omit=dev → /app/node_modules"] : []), `berth build: ${basename(dir)} → /app`],
      }, store.content);
      await store.setName(name, d);
      const c = baseView.config;
      if (opts.unpack !== false) await unpackFor(store, d, { os: c.os, architecture: c.architecture, ...(c.variant && { variant: c.variant }) });
      return { value: d, isCached: false, detail: d.digest };
    });
    return { name, descriptor, base: base.descriptor, ...(deps && { dependencies: deps.layer }), app: app.layer, command: app.command, steps };
  });
}

/** `localhost/<name>:latest` from the package name (`@scope/x` → `scope/x`), else the directory's name. */
export function defaultReference(packageName: string | undefined, dir: string): string {
  const raw = (packageName ?? basename(resolve(dir))).replace(/^@/, "").toLowerCase();
  const repo = raw.split("/").map((s) => s.replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+|[._-]+$/g, "")).filter((s) => s !== "").join("/");
  return `localhost/${repo || "app"}:latest`;
}

function parsePort(p: string): string {
  const m = PORT.exec(p);
  const n = Number(m?.[1]);
  if (!m || n < 1 || n > 65535) throw new InvalidArgumentError(`--expose ${JSON.stringify(p)}: expected PORT or PORT/PROTO (tcp, udp, sctp), PORT 1–65535`);
  return `${n}/${m[2] ?? "tcp"}`;
}

/** SOURCE_DATE_EPOCH, or undefined when unset. */
function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === "") return undefined;
  if (!/^\d{1,12}$/.test(v)) throw new InvalidArgumentError(`SOURCE_DATE_EPOCH: should be the number of seconds since 1970-01-01 UTC, got ${JSON.stringify(v)}`);
  return Number(v);
}
