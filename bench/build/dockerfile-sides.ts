import { cp } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeBusyboxDockerArchive } from "../../test/fixtures/make-image.js";
import type { BuildSide, TimedStep } from "./build-rounds.js";
import type { Cli } from "./build-tools.js";

// dist/bench/build/dockerfile-sides.js → <repo>/bench/build/dockerfile-fixture (Dockerfile + seed.txt)
export const DOCKERFILE_FIXTURE_DIR = fileURLToPath(new URL("../../../bench/build/dockerfile-fixture/", import.meta.url));

/** The base both builders start from, by the name the Dockerfile uses. */
export const BUSYBOX_BASE = "busybox:bench";
export const BERTH_MULTI_IMAGE = "bench/multi:berth";
export const DOCKER_MULTI_IMAGE = "bench/multi:docker";
/** What the built image's CMD prints: the file count the Dockerfile's ARG FILES sets. */
export const EXPECTED_COUNT = "400";

/** Row keys of part (b). */
export const DOCKERFILE_KEYS = { cold: "cold", warm: "warm" } as const;

/** Untimed: copy the fixture context into `dir`/ctx and write the busybox docker-archive both sides load. */
export async function makeDockerfileInputs(dir: string): Promise<{ ctx: string; archive: string; imageId: string }> {
  const ctx = join(dir, "ctx");
  await cp(DOCKERFILE_FIXTURE_DIR, ctx, { recursive: true });
  const archive = join(dir, "busybox.tar");
  const imageId = await makeBusyboxDockerArchive(archive, BUSYBOX_BASE);
  return { ctx, archive, imageId };
}

/**
 * One side of part (b): per round a `--no-cache` build, then the same build again with every
 * step cached. `build(noCache)` is the side's command; the context never changes.
 */
export function dockerfileSide(name: string, isBerth: boolean, build: (noCache: boolean) => Promise<unknown>, unavailable: string | undefined): BuildSide {
  const steps = (): TimedStep[] => [
    { key: DOCKERFILE_KEYS.cold, run: () => build(true).then(() => undefined) },
    { key: DOCKERFILE_KEYS.warm, run: () => build(false).then(() => undefined) },
  ];
  return { name, isBerth, unavailable, steps };
}

/** berth's build command of part (b): `berth build [--no-cache] --network host -q -f CTX/Dockerfile -t IMAGE CTX`. */
export const berthDockerfileBuild = (berth: Cli, ctx: string) => (noCache: boolean): Promise<unknown> =>
  berth(["build", ...(noCache ? ["--no-cache"] : []), "--network", "host", "-q", "-f", join(ctx, "Dockerfile"), "-t", BERTH_MULTI_IMAGE, ctx]);

/** docker's: `docker build [--no-cache] --network host -q -f CTX/Dockerfile -t IMAGE CTX` (legacy builder). */
export const dockerDockerfileBuild = (docker: Cli, ctx: string) => (noCache: boolean): Promise<unknown> =>
  docker(["build", ...(noCache ? ["--no-cache"] : []), "--network", "host", "-q", "-f", join(ctx, "Dockerfile"), "-t", DOCKER_MULTI_IMAGE, ctx]);

/** Untimed: run the built image (its CMD prints the file count) and compare with {@link EXPECTED_COUNT}. */
export async function checkCount(cli: Cli, image: string, side: string): Promise<string> {
  const got = (await cli(["run", "--rm", "--network", "none", image], 120_000)).stdout.trim();
  if (got !== EXPECTED_COUNT) throw new Error(`${side}: ${image} printed "${got.slice(0, 200)}", expected ${EXPECTED_COUNT} files unpacked`);
  return `${side}: run --rm ${image} printed ${got}`;
}
