import { cp, link, mkdir, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BERTH_BIN } from "./pull/tools.js";
import { docker, type BenchDockerd } from "./up-docker-sides.js";
import { cleanEnv, mustRunUp } from "./up-side.js";

// dist/bench/up-images.js → <repo>/examples/shop/
export const SHOP_DIR = fileURLToPath(new URL("../../examples/shop/", import.meta.url));

/** The four images build.sh makes, in the order it prints them. */
export const SHOP_IMAGES = ["redis", "catalog", "gateway", "cart"].map((s) => `localhost/shop/${s}:latest`);

/** The bench's own cache: the redis base's lock, so every run builds the same packages. */
const BENCH_CACHE = join(tmpdir(), "berth-bench-cache", "up");
/** The build tests' cache of verified .debs and the node base's lock (test/integration/build/base-fixture.ts); used when present. */
const TEST_BUILD_CACHE = process.env.BERTH_TEST_BUILD_CACHE ?? join(tmpdir(), "berth-test-build-cache");
const BUILD_TIMEOUT_MS = 900_000;

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/**
 * Hard-link (else copy) the build tests' verified .debs and node base lock into `root`'s build
 * cache: content-addressed, so a link saves the download and cannot change what is built.
 */
async function seedFromTestCache(root: string): Promise<boolean> {
  const debs = join(TEST_BUILD_CACHE, "sha256");
  if (!(await exists(debs))) return false;
  const dest = join(root, "build-cache");
  await mkdir(join(dest, "sha256"), { recursive: true });
  for (const f of await readdir(debs)) {
    if (!/^[0-9a-f]{64}$/.test(f)) continue;
    await link(join(debs, f), join(dest, "sha256", f)).catch(() => cp(join(debs, f), join(dest, "sha256", f)));
  }
  const lock = join(TEST_BUILD_CACHE, "node-base", "node-base.yaml.lock");
  if (await exists(lock)) {
    await mkdir(join(dest, "node-base"), { recursive: true });
    await cp(lock, join(dest, "node-base", "node-base.yaml.lock"));
  }
  return true;
}

/**
 * Build the shop's images into the berth root `root` with examples/shop/build.sh (as a user
 * would; the .debs of the bases come from the machine's apt mirror, or from the build tests'
 * cache when it is there). Returns one line saying where the packages came from.
 */
export async function buildShopImages(root: string): Promise<string> {
  const seeded = await seedFromTestCache(root);
  await mkdir(BENCH_CACHE, { recursive: true });
  const env = cleanEnv({ BERTH: BERTH_BIN, REDIS_LOCK: join(BENCH_CACHE, "redis.yaml.lock") });
  const r = await mustRunUp("sh", [join(SHOP_DIR, "build.sh"), "--root", root], env, BUILD_TIMEOUT_MS);
  const printed = r.stdout.trim().split("\n");
  if (printed.join(" ") !== SHOP_IMAGES.join(" ")) throw new Error(`build.sh printed ${JSON.stringify(printed)}, expected ${SHOP_IMAGES.join(" ")}`);
  return `images: ${SHOP_IMAGES.length} built by examples/shop/build.sh${seeded ? ` (.debs from ${TEST_BUILD_CACHE})` : ""}`;
}

/**
 * Move the images into the bench's dockerd: `berth save` (docker-archive) → `docker load`, then
 * check each image's ID there is berth's config digest: both engines run the very same images.
 */
export async function loadShopImagesIntoDocker(root: string, d: BenchDockerd, archive: string): Promise<void> {
  await mustRunUp(BERTH_BIN, ["--root", root, "save", "-o", archive, ...SHOP_IMAGES]);
  await docker(d, ["load", "-q", "-i", archive]);
  const berthIds = JSON.parse((await mustRunUp(BERTH_BIN, ["--root", root, "image", "inspect", ...SHOP_IMAGES])).stdout) as { Id: string }[];
  const dockerIds = (await docker(d, ["image", "inspect", "-f", "{{.Id}}", ...SHOP_IMAGES])).stdout.trim().split("\n");
  SHOP_IMAGES.forEach((name, i) => {
    if (berthIds[i]?.Id !== dockerIds[i]) throw new Error(`${name}: docker has ${dockerIds[i]}, berth ${berthIds[i]?.Id}: not the same image`);
  });
}
