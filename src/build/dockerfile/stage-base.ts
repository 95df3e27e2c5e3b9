import { chainIds, openImage, pull, unpackFor, type ImageStore, type PullOptions } from "../../image/index.js";
import { type Digest, type Platform } from "../../oci/index.js";
import type { StageState } from "./stage-state.js";
import { StepCache } from "./step-cache.js";

/** What a stage or COPY --from starts from: an image's state and where its files are. */
export interface BaseImage {
  readonly state: StageState;
  /** The image's name in the store (after a pull, the reference pulled). */
  readonly name: string;
}

/** docker's PATH for images that set none; `FROM scratch` starts with it, as in docker's builders. */
export const DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** An empty stage: `FROM scratch`. */
export function scratchState(platform: Platform, created: string): StageState {
  return {
    platform, config: { Env: [DEFAULT_PATH_ENV] }, created, layers: [], diffIds: [], history: [], chainId: undefined,
    cacheKey: StepCache.next("berth-dockerfile-v1", "scratch", platform.os, platform.architecture, platform.variant ?? ""),
    args: new Map(), cmdSet: false,
  };
}

/**
 * The state of `image` for `platform`: found in the store (name, id or
 * digest) or pulled as `berth pull` would, and unpacked so its snapshots can
 * be a step's lower layers. The cache key starts from the config digest, so
 * a base image that changed under its tag misses the cache, as in docker.
 */
export async function imageState(store: ImageStore, image: string, platform: Platform, opts: Pick<PullOptions, "onProgress" | "signal" | "insecureRegistries"> = {}): Promise<BaseImage> {
  const found = await store.lookup(image);
  let name: string;
  let target;
  if (found.length > 0) {
    name = found[0]!.name;
    target = found[0]!.target;
  } else {
    const [pulled] = await pull(store, image, { ...opts, platform });
    name = pulled!.names[0] ?? image;
    target = pulled!.descriptor;
  }
  const view = await openImage(store.content, target, platform);
  const cfg = view.config;
  const diffIds = [...cfg.rootfs.diff_ids];
  const top: Digest | undefined = chainIds(diffIds).at(-1);
  if (top !== undefined && (await (await store.snapshots()).info(top)) === undefined) {
    await unpackFor(store, target, platform, { ...(opts.signal && { signal: opts.signal }) });
  }
  const state: StageState = {
    platform: { os: cfg.os, architecture: cfg.architecture, ...(cfg.variant && { variant: cfg.variant }) },
    config: { ...(cfg.config ?? {}) },
    layers: [...view.layers],
    diffIds,
    history: [...(cfg.history ?? [])],
    chainId: top,
    created: cfg.created ?? new Date(0).toISOString(),
    cacheKey: StepCache.next("berth-dockerfile-v1", "image", view.configDescriptor.digest),
    args: new Map(),
    cmdSet: false,
    ...(typeof cfg.author === "string" && { author: cfg.author }),
  };
  return { state, name };
}

/** A copy of `s` that a new stage (`FROM <earlier stage>`) can change without touching `s`. */
export function forkState(s: StageState): StageState {
  return {
    ...s, config: structuredClone(s.config), layers: [...s.layers], diffIds: [...s.diffIds], history: [...s.history],
    args: new Map(), cmdSet: false,
  };
}
