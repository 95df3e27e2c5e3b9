import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { fullName, type ImageStore } from "../image/index.js";
import { BerthError, InvalidArgumentError } from "../oci/index.js";
import { buildDockerfile } from "./dockerfile/index.js";
import { findDockerfile } from "./find-dockerfile.js";
import { buildNodeApp } from "./node-app/index.js";

/**
 * One `berth build`, as the CLI runs it in its own process or hands it to
 * the daemon: plain data, so that it travels as JSON.
 */
export interface BuildImageRequest {
  /** The build context: an absolute path. */
  readonly context: string;
  /** An absolute path; default the context's Dockerfile, Containerfile or dockerfile; with none, a Node.js build. */
  readonly dockerfile?: string;
  /** The Dockerfile itself, read by the caller (`-f -`: stdin); wins over `dockerfile`. */
  readonly dockerfileText?: string;
  /** Names for the image; the first is its name (default: the builder's). */
  readonly tags: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly noCache?: boolean;
  /** Network of RUN steps (default host). */
  readonly network?: "host" | "none";
  /** Mount the host's CA bundle into RUN steps (default true). */
  readonly hostTrust?: boolean;
  /** Node builds: exposed ports. */
  readonly expose?: readonly string[];
  /** Node builds: the Debian mirror for the node base's first build. */
  readonly mirror?: string;
  /** The environment the build reads (proxies, npm's configuration, CA bundle paths, SOURCE_DATE_EPOCH): the caller's, not the daemon's. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a build made, for the caller's summary line. */
export type BuiltImage =
  | { readonly kind: "dockerfile"; readonly digest: string; readonly names: readonly string[]; readonly steps: number; readonly cached: number; readonly ms: number }
  | { readonly kind: "node"; readonly digest: string; readonly names: readonly string[]; readonly appBytes: number; readonly dependencyBytes?: number; readonly ms: number };

/** What a build reports while it runs. */
export interface BuildImageSinks {
  /** One line per step and per line of a step's output. */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Build `req`: a Dockerfile build when it names a Dockerfile or the context
 * holds one, else a Node.js project into a distroless image (its new layers
 * are left packed: the first `berth run` unpacks what it lacks, so a rebuild
 * writes blobs only). Throws what the builders throw, and
 * InvalidArgumentError for relative paths.
 */
export async function buildImage(store: ImageStore, req: BuildImageRequest, sinks: BuildImageSinks = {}): Promise<BuiltImage> {
  for (const [what, p] of [["context", req.context], ["dockerfile", req.dockerfile]] as const) {
    if (p !== undefined && !isAbsolute(p)) throw new InvalidArgumentError(`build: ${what} ${p} is not an absolute path`);
  }
  for (const t of req.tags) {
    // docker refuses it too: the digest is the built image's own, so a name with another one would be stored without it.
    if (fullName(t).ref.digest !== undefined) throw new InvalidArgumentError(`-t ${t}: a build tag cannot carry a digest`, { hint: "give repository:tag" });
  }
  await requireContextDirectory(req.context);
  const dockerfile = req.dockerfileText !== undefined ? undefined : req.dockerfile ?? (await findDockerfile(req.context));
  const common = {
    ...(req.noCache && { noCache: true }),
    ...(req.env !== undefined && { env: req.env }),
    ...(sinks.onProgress && { onProgress: sinks.onProgress }),
    ...(sinks.signal && { signal: sinks.signal }),
  };
  if (dockerfile !== undefined || req.dockerfileText !== undefined) {
    const built = await buildDockerfile(store, req.context, {
      ...common, ...(dockerfile !== undefined && { dockerfile }), ...(req.dockerfileText !== undefined && { dockerfileText: req.dockerfileText }), tags: req.tags, buildArgs: req.buildArgs ?? {},
      ...(req.target && { target: req.target }),
      ...(req.network !== undefined && { network: req.network }),
      hostTrust: req.hostTrust ?? true,
    });
    return {
      kind: "dockerfile", digest: built.descriptor.digest, names: built.names, steps: built.steps.length,
      cached: built.steps.filter((s) => s.isCached).length, ms: built.steps.reduce((n, s) => n + s.ms, 0),
    };
  }
  const built = await buildNodeApp(store, req.context, {
    ...common,
    ...(req.tags[0] && { reference: req.tags[0] }),
    expose: req.expose ?? [],
    unpack: false,
    ...(req.mirror && { mirror: req.mirror }),
  });
  for (const t of req.tags.slice(1)) await store.setName(fullName(t).name, built.descriptor);
  return {
    kind: "node", digest: built.descriptor.digest, names: [built.name, ...req.tags.slice(1).map((t) => fullName(t).name)],
    appBytes: built.app.descriptor.size, ...(built.dependencies && { dependencyBytes: built.dependencies.descriptor.size }),
    ms: built.steps.reduce((n, s) => n + s.ms, 0),
  };
}

/**
 * The context must be a directory before anything is looked up in it: a
 * missing one would otherwise read as a Node.js project without
 * package.json, or fail deep in the Dockerfile build with a bare ENOENT.
 */
async function requireContextDirectory(context: string): Promise<void> {
  const st = await stat(context).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") return undefined;
    throw new BerthError("FAILED_PRECONDITION", `build context ${context}: ${e.code ?? e.message}`, { cause: e });
  });
  if (st === undefined) throw new BerthError("NOT_FOUND", `build context ${context}: no such directory`, { hint: "give the directory to build as the last argument (default .)" });
  if (!st.isDirectory()) throw new InvalidArgumentError(`build context ${context}: not a directory`, { hint: "give the directory that holds the files; name the Dockerfile with -f" });
}
