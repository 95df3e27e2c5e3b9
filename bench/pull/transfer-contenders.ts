import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Cleanup } from "../harness/cleanup.js";
import type { BenchImage } from "./bench-image.js";
import type { Attempt, Contender } from "./contender.js";
import { removeTree } from "./pull-contenders.js";
import { checkRegistryImage, startScratchRegistry } from "./scratch-registry.js";
import { berth, skopeo } from "./tools.js";

/** What the push and copy rows need. */
export interface TransferRowContext {
  readonly image: BenchImage;
  /** `127.0.0.1:<port>/bench/image:<tag>` in the source registry. */
  readonly srcRef: string;
  /** Repository and tag every destination gets: `bench/image`, `<tag>`. */
  readonly repo: string;
  readonly tag: string;
  /** Parent of every attempt's directories and scratch registries. */
  readonly workDir: string;
  /** Where scratch registries register their stop, in case an attempt is cut short. */
  readonly cleanup: Cleanup;
}

/**
 * An attempt that sends the image to a new, empty registry with `send(dstRef, scratchDir)`, then
 * checks every blob arrived unchanged; dispose stops that registry and deletes its storage.
 */
async function toScratchRegistry(
  ctx: TransferRowContext, name: string, send: (dstRef: string, scratchDir: string) => Promise<void>,
): Promise<Attempt> {
  const scratchDir = join(ctx.workDir, `${name}-tmp`);
  await mkdir(scratchDir, { recursive: true });
  const reg = await startScratchRegistry(ctx.workDir, `${name}-registry`, ctx.cleanup).catch(async (err: unknown) => {
    await removeTree(scratchDir);
    throw err;
  });
  return {
    execute: () => send(`${reg.host}/${ctx.repo}:${ctx.tag}`, scratchDir),
    verify: () => checkRegistryImage(reg.url, ctx.repo, ctx.tag, ctx.image),
    dispose: async () => {
      await reg.dispose();
      await removeTree(scratchDir);
    },
  };
}

/**
 * `berth --root <store> push --quiet <srcRef> <empty registry>/<repo>:<tag>`. The store must
 * already hold `srcRef` (pulled once, untimed, before the row).
 */
export function berthPush(ctx: TransferRowContext, store: string, unavailable: string | undefined): Contender {
  return {
    name: "berth", isBerth: true, unavailable,
    prepare: (run) => toScratchRegistry(ctx, `push-berth-r${run}`, async (dst) => {
      await berth(["--root", store, "push", "--quiet", ctx.srcRef, dst]);
    }),
  };
}

/** `skopeo copy oci:<the bench layout> docker://<empty registry>/<repo>:<tag>`. */
export function skopeoPush(ctx: TransferRowContext, unavailable: string | undefined): Contender {
  const src = `oci:${ctx.image.layoutDir}:${ctx.image.tag}`;
  return {
    name: "skopeo copy", isBerth: false, unavailable,
    prepare: (run) => toScratchRegistry(ctx, `push-skopeo-r${run}`, async (dst, tmpDir) => {
      await skopeo(["copy", "--quiet", "--dest-tls-verify=false", src, `docker://${dst}`], tmpDir);
    }),
  };
}

/**
 * `berth copy --quiet <srcRef> <empty registry>/<repo>:<tag>`, registry to registry. `--root`
 * points at a scratch dir only so that a copy that did write state could not touch the host's.
 */
export function berthCopy(ctx: TransferRowContext, unavailable: string | undefined): Contender {
  return {
    name: "berth", isBerth: true, unavailable,
    prepare: (run) => toScratchRegistry(ctx, `copy-berth-r${run}`, async (dst, tmpDir) => {
      await berth(["--root", join(tmpDir, "root"), "copy", "--quiet", ctx.srcRef, dst]);
    }),
  };
}

/** `skopeo copy docker://<srcRef> docker://<empty registry>/<repo>:<tag>`. */
export function skopeoCopy(ctx: TransferRowContext, unavailable: string | undefined): Contender {
  return {
    name: "skopeo copy", isBerth: false, unavailable,
    prepare: (run) => toScratchRegistry(ctx, `copy-skopeo-r${run}`, async (dst, tmpDir) => {
      const args = ["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${ctx.srcRef}`, `docker://${dst}`];
      await skopeo(args, tmpDir);
    }),
  };
}
