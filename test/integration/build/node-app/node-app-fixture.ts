import { randomBytes } from "node:crypto";
import { cp, link, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { cidrsOverlap, parseCidr } from "../../../../src/runtime/network/ipv4.js";
import { hostRoutes } from "../../../../src/runtime/network/subnet-choice.js";
import { findTool } from "../../../support/require-root.js";
import { run } from "../../../support/run.js";
import { requireMirror } from "../base-fixture.js";

/** The example project, copied by each test so edits never touch the repository. */
export const EXAMPLE = fileURLToPath(new URL("../../../../../examples/node-app/", import.meta.url));

/**
 * Skip unless a build can run here: npm installed and its registry
 * answering `npm ping` within 20 s (npm's own registry config: no host name
 * here), and the Debian mirror of the apt sources reachable. True when the
 * test may go on.
 */
export async function requireBuildPrerequisites(t: TestContext, opts: { npm: boolean } = { npm: true }): Promise<boolean> {
  if (opts.npm) {
    if (!findTool("npm")) {
      t.skip("needs npm (apt-get install npm, or Node.js's own npm)");
      return false;
    }
    const ping = await run("npm", ["ping", "--loglevel=error"], { timeoutMs: 20_000 });
    if (ping.code !== 0) {
      t.skip(`needs the npm registry from npm's config (npm ping: ${ping.timedOut ? "timed out" : ping.stderr.trim().split("\n").pop()})`);
      return false;
    }
  }
  return (await requireMirror(t)) !== undefined;
}

/** Copy the example project to `dest` (its node_modules, if someone ran npm there, left behind). */
export async function copyExample(dest: string): Promise<void> {
  await cp(EXAMPLE, dest, { recursive: true, filter: (src) => !src.includes("/node_modules") });
}

/**
 * Seed `<root>/build-cache` from the shared test cache: .debs hard-linked
 * (no download) and the node base's lock copied (no resolution), so a CLI
 * build in a fresh root only rebuilds the base's layers from the lock.
 */
export async function seedBuildCache(shared: string, root: string): Promise<void> {
  const dest = join(root, "build-cache");
  await mkdir(join(dest, "sha256"), { recursive: true });
  for (const f of await readdir(join(shared, "sha256")).catch(() => [] as string[])) {
    await link(join(shared, "sha256", f), join(dest, "sha256", f)).catch(() => cp(join(shared, "sha256", f), join(dest, "sha256", f)));
  }
  const lock = join(shared, "node-base", "node-base.yaml.lock");
  if (await stat(lock).then(() => true, () => false)) {
    await mkdir(join(dest, "node-base"), { recursive: true });
    await cp(lock, join(dest, "node-base", "node-base.yaml.lock"));
  }
}

/** A random /24 in 10.150–249.x.0 clear of the host's routes: test files run in parallel, each with its own networks. */
export async function randomSubnet(): Promise<string> {
  const routes = (await hostRoutes()).map((r) => r.destination);
  for (let i = 0; i < 100; i++) {
    const [a, b] = randomBytes(2);
    const text = `10.${150 + (a! % 100)}.${b}.0/24`;
    if (!routes.some((r) => cidrsOverlap(r, parseCidr(text, "subnet")))) return text;
  }
  throw new Error("no free random test subnet in 100 tries");
}

/** GET `url` until it answers 200 or `timeoutMs` passes (each try bounded to 2 s); the body, or the last error thrown. */
export async function fetchWhenUp(url: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (r.status === 200) return await r.text();
      last = new Error(`${url}: HTTP ${r.status}`);
    } catch (e) {
      last = e;
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: last });
}
