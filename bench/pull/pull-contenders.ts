import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { StartedDockerd } from "../../test/support/dockerd.js";
import { unmountUnder } from "../../test/support/unmount.js";
import { treeSize } from "../harness/tree-size.js";
import type { BenchImage } from "./bench-image.js";
import type { Attempt, Contender } from "./contender.js";
import { berth, mustRun, mustSucceed, OP_TIMEOUT_MS, skopeo } from "./tools.js";

/** What the pull row needs: the image, where it is, and a directory for attempts. */
export interface PullRowContext {
  readonly image: BenchImage;
  /** `127.0.0.1:<port>/bench/image:<tag>` in the source registry. */
  readonly ref: string;
  /** Parent of every attempt's directories; each attempt removes its own. */
  readonly workDir: string;
}

const MiB = 1024 * 1024;

/**
 * Throw unless `dir` holds at least the image's files and bytes: a pull that skipped the unpack,
 * or stopped early, must not count as a fast pull. "At least" because stores keep blobs and
 * metadata beside the unpacked files.
 */
export async function checkUnpacked(dir: string, image: BenchImage, what: string): Promise<void> {
  const t = await treeSize(dir);
  if (t.files < image.files || t.bytes < image.fileBytes) {
    throw new Error(`${what} ${dir} holds ${t.files} files, ${(t.bytes / MiB).toFixed(1)} MiB; the unpacked image alone is ` +
      `${image.files} files, ${(image.fileBytes / MiB).toFixed(1)} MiB: the layers were not all unpacked`);
  }
}

/** Unmount anything below `dir` (a store may mount snapshots), then delete it. */
export async function removeTree(dir: string): Promise<void> {
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** `berth --root <fresh dir> pull --quiet <ref>`: fetch into the store and unpack into snapshots. */
export function berthPull(ctx: PullRowContext, unavailable: string | undefined): Contender {
  return {
    name: "berth", isBerth: true, unavailable,
    prepare: async (run): Promise<Attempt> => {
      const root = join(ctx.workDir, `berth-pull-r${run}`);
      return {
        execute: async () => void (await berth(["--root", root, "pull", "--quiet", ctx.ref])),
        verify: () => checkUnpacked(root, ctx.image, "berth root"),
        dispose: () => removeTree(root),
      };
    },
  };
}

/** `skopeo copy docker://<ref> oci:<fresh layout>` then `umoci unpack` of it into a fresh bundle. */
export function skopeoUmociPull(ctx: PullRowContext, unavailable: string | undefined): Contender {
  return {
    name: "skopeo + umoci", isBerth: false, unavailable,
    prepare: async (run): Promise<Attempt> => {
      const dir = join(ctx.workDir, `skopeo-umoci-r${run}`);
      const tmpDir = join(dir, "tmp");
      await mkdir(tmpDir, { recursive: true });
      const layout = `${join(dir, "layout")}:${ctx.image.tag}`;
      const bundle = join(dir, "bundle");
      return {
        execute: async () => {
          await skopeo(["copy", "--quiet", "--src-tls-verify=false", `docker://${ctx.ref}`, `oci:${layout}`], tmpDir);
          await mustRun("umoci", ["unpack", "--image", layout, bundle]);
        },
        verify: () => checkUnpacked(join(bundle, "rootfs"), ctx.image, "umoci bundle rootfs"),
        dispose: () => removeTree(dir),
      };
    },
  };
}

/**
 * `docker pull -q <ref>` on the bench's own dockerd (overlay2 in its own data root). Each attempt
 * starts with no image in the daemon, and ends with `docker rmi` and `docker image prune -a -f`,
 * so every pull downloads and extracts all layers.
 */
export function dockerPull(ctx: PullRowContext, dockerd: StartedDockerd | undefined, unavailable: string | undefined): Contender {
  const d = dockerd;
  return {
    name: "docker pull", isBerth: false, unavailable: unavailable ?? (d === undefined ? "no dockerd" : undefined),
    prepare: async (): Promise<Attempt> => {
      if (d === undefined) throw new Error("no dockerd");
      await emptyDockerd(d);
      const overlay = join(d.dataRoot, "overlay2");
      const before = await treeSize(overlay).catch(() => ({ files: 0, bytes: 0 }));
      if (before.bytes > MiB) throw new Error(`${overlay} still holds ${before.files} files after prune: the pull would not be cold`);
      return {
        execute: async () => void (await mustSucceed(d.docker(["pull", "-q", ctx.ref], { timeoutMs: OP_TIMEOUT_MS }))),
        verify: async () => {
          const id = (await mustSucceed(d.docker(["image", "inspect", "--format", "{{.Id}}", ctx.ref]))).stdout.trim();
          if (id !== ctx.image.config.digest) throw new Error(`docker image ${ctx.ref} has id ${id}, expected ${ctx.image.config.digest}`);
          await checkUnpacked(overlay, ctx.image, "dockerd overlay2");
        },
        dispose: () => emptyDockerd(d),
      };
    },
  };
}

/** Remove every image from `d` and prune, so the next pull is cold. */
async function emptyDockerd(d: StartedDockerd): Promise<void> {
  const ids = (await mustSucceed(d.docker(["images", "-aq"]))).stdout.split("\n").filter((l) => l.trim() !== "");
  if (ids.length > 0) await mustSucceed(d.docker(["rmi", "-f", ...new Set(ids)]));
  await mustSucceed(d.docker(["image", "prune", "-a", "-f"]));
}
