import { join } from "node:path";
import type { StartedDockerd } from "../../test/support/dockerd.js";
import { makeBusyboxDockerArchive, makeBusyboxLayout } from "../../test/fixtures/make-image.js";
import { mustSucceed } from "../pull/tools.js";
import { berthAt } from "./run-tools.js";

/** The one image every side runs, in the forms each side loads. */
export interface BenchBusybox {
  /** The config digest: berth's and docker's image ID, the same for both forms. */
  readonly imageId: string;
  /** OCI layout the berth store is filled from. */
  readonly layoutDir: string;
  /** `docker save` form, for `docker load`. */
  readonly archive: string;
  /** The image's one layer (tar+gzip), unpacked for the runc floor. */
  readonly layerBlob: string;
}

/** The name each side runs the image by. */
export const BERTH_IMAGE = "localhost/busybox:bench";
export const DOCKER_IMAGE = "busybox:bench";

/**
 * Write the busybox fixture (a static busybox, applets reached as `/bin/busybox true`) into
 * `dir` as an OCI layout and as a docker-archive. Throws unless both have the same config,
 * so that every side runs the same bytes.
 */
export async function makeBenchBusybox(dir: string): Promise<BenchBusybox> {
  const layoutDir = join(dir, "busybox");
  const fixture = await makeBusyboxLayout(layoutDir, { tag: "bench" });
  const archive = join(dir, "busybox.tar");
  const archiveId = await makeBusyboxDockerArchive(archive, DOCKER_IMAGE);
  if (archiveId !== fixture.config.digest) {
    throw new Error(`busybox fixture: docker-archive config ${archiveId} differs from the layout's ${fixture.config.digest}`);
  }
  const layer = fixture.layers[0];
  if (fixture.layers.length !== 1 || layer === undefined) throw new Error(`busybox fixture: expected one layer, got ${fixture.layers.length}`);
  return { imageId: fixture.config.digest, layoutDir, archive, layerBlob: join(layoutDir, "blobs", "sha256", layer.digest.slice("sha256:".length)) };
}

/** Untimed: pull the layout into the berth store at `root` as {@link BERTH_IMAGE} and check its ID. */
export async function loadIntoBerth(image: BenchBusybox, root: string): Promise<void> {
  const berth = berthAt(root);
  await berth(["pull", "--quiet", `oci:${image.layoutDir}:bench`]);
  const inspected: unknown = JSON.parse((await berth(["image", "inspect", BERTH_IMAGE])).stdout);
  const id = Array.isArray(inspected) ? (inspected[0] as { Id?: unknown } | undefined)?.Id : undefined;
  if (id !== image.imageId) throw new Error(`berth image inspect ${BERTH_IMAGE}: Id ${String(id)}, expected ${image.imageId}`);
}

/** Untimed: `docker load -i` the archive into `d` and check the image ID. */
export async function loadIntoDocker(image: BenchBusybox, d: StartedDockerd): Promise<void> {
  await mustSucceed(d.docker(["load", "-q", "-i", image.archive], { timeoutMs: 120_000 }));
  const id = (await mustSucceed(d.docker(["image", "inspect", "--format", "{{.Id}}", DOCKER_IMAGE]))).stdout.trim();
  if (id !== image.imageId) throw new Error(`docker image inspect ${DOCKER_IMAGE}: Id ${id}, expected ${image.imageId}`);
}
