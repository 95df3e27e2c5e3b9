import { access, mkdir, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { pull, type ImageStore } from "../../image/index.js";
import { prepareRunImage, type RunImage } from "../../runtime/index.js";
import { ServiceImageError, UnsupportedStackFeatureError } from "./errors.js";
import type { Emit } from "./stack-event.js";
import type { PlannedService } from "./stack-plan.js";

/** Options of {@link ensureServiceImages}. */
export interface EnsureImagesOptions {
  /** `--build`: build every service that has `build:`, even when its image exists. */
  readonly build?: boolean;
  /** Where an inline Dockerfile (`dockerfile_inline`) is written for the builder. */
  readonly stackDir: string;
  /** Build steps and pull progress, one line each. */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * Make sure each service's image is in the store and unpacked, as `docker
 * compose up` does before it creates anything: build a service with
 * `build:` when its image is missing, with `--build` or `pull_policy:
 * build` (tagged `<project>-<service>`, or `image:` when both are given);
 * pull `image:` when missing or with `pull_policy: always`; never pull
 * with `pull_policy: never`. Services are handled in order, one at a time.
 *
 * Returns the image of each service by name. Throws ServiceImageError
 * naming the service and the image (what the builder or the pull threw as
 * its cause); by then no container, network or volume has been made.
 */
export async function ensureServiceImages(store: ImageStore, services: readonly PlannedService[], emit: Emit, opts: EnsureImagesOptions): Promise<Map<string, RunImage>> {
  const out = new Map<string, RunImage>();
  for (const s of services) {
    try {
      out.set(s.name, await serviceImage(store, s, emit, opts));
    } catch (e) {
      throw e instanceof UnsupportedStackFeatureError ? e : new ServiceImageError(s.name, s.image, e);
    }
  }
  return out;
}

async function serviceImage(store: ImageStore, s: PlannedService, emit: Emit, opts: EnsureImagesOptions): Promise<RunImage> {
  const present = (await store.lookup(s.image)).length > 0;
  if (s.build !== undefined && (opts.build === true || s.pullPolicy === "build" || !present)) {
    await buildServiceImage(store, s, emit, opts);
  } else if (s.pullPolicy === "always" || (!present && s.pullPolicy !== "never")) {
    emit(s.name, "image-pull", `pulling ${s.image}`);
    await pull(store, s.image, { ...(opts.signal && { signal: opts.signal }) });
  }
  if (s.pullPolicy === "never" && (await store.lookup(s.image)).length === 0) {
    throw new ServiceImageError(s.name, s.image, new Error("not in the store, and pull_policy: never forbids pulling it"));
  }
  return prepareRunImage(store, s.image, { ...(opts.signal && { signal: opts.signal }) });
}

/** A Dockerfile build when the context has the Dockerfile (or it is inline), else a zero-config Node.js build. */
async function buildServiceImage(store: ImageStore, s: PlannedService, emit: Emit, opts: EnsureImagesOptions): Promise<void> {
  const b = s.build!;
  if (/^[a-z]+:\/\//i.test(b.context) || b.context.startsWith("git@")) {
    throw new UnsupportedStackFeatureError(s.name, "build.context", `remote build contexts (${b.context}) are not supported`, "clone it and give the local directory");
  }
  // Loaded only when a stack builds: the builders pull in much code that `down` and `ps` never need.
  const { buildDockerfile, buildNodeApp } = await import("../../build/index.js");
  let dockerfile = isAbsolute(b.dockerfile) ? b.dockerfile : join(b.context, b.dockerfile);
  if (b.dockerfileInline !== undefined) {
    const dir = join(opts.stackDir, "build");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    dockerfile = join(dir, `${s.name}.Dockerfile`);
    await writeFile(dockerfile, b.dockerfileInline, { mode: 0o600 });
  }
  const progress = opts.onProgress ?? ((): void => undefined);
  emit(s.name, "image-build", `building ${s.image} from ${b.context}`);
  if (await exists(dockerfile)) {
    await buildDockerfile(store, b.context, {
      dockerfile, tags: [s.image, ...b.tags], buildArgs: b.args,
      ...(b.target !== undefined && { target: b.target }),
      ...(b.noCache && { noCache: true }),
      ...(b.network === "none" && { network: "none" as const }),
      onProgress: progress,
      ...(opts.signal && { signal: opts.signal }),
    });
  } else if (await exists(join(b.context, "package.json"))) {
    await buildNodeApp(store, b.context, { reference: s.image, ...(b.noCache && { noCache: true }), onProgress: progress, ...(opts.signal && { signal: opts.signal }) });
  } else {
    throw new UnsupportedStackFeatureError(s.name, "build", `${b.context} has neither ${dockerfile} nor a package.json`, "add a Dockerfile, or build a Node.js project (package.json)");
  }
}
