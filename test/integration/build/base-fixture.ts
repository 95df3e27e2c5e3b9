import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { TestContext } from "node:test";
import { readAptSources, sourcesForSuite, type AptSource } from "../../../src/build/index.js";
import { readTarEntries, type DebEntry } from "../../../src/build/deb-archive.js";
import { downloadToFile } from "../../../src/build/http-download.js";
import type { ImageStore } from "../../../src/image/index.js";
import type { Descriptor } from "../../../src/oci/index.js";

/**
 * Downloads are shared by every run of these tests (a few MB for the small
 * base, ~45 MB more for nodejs), so a second run needs no network for .debs.
 * BERTH_TEST_BUILD_CACHE moves it.
 */
export const BUILD_CACHE = process.env.BERTH_TEST_BUILD_CACHE ?? join(tmpdir(), "berth-test-build-cache");

/**
 * The machine's Debian sources for its first suite, when its mirror answers
 * InRelease within 10 s; otherwise undefined and the test is skipped with the
 * reason. No mirror name is written here: it comes from /etc/apt.
 */
export async function requireMirror(t: TestContext): Promise<AptSource | undefined> {
  const all = await readAptSources("/");
  const first = all[0];
  if (!first) {
    t.skip("needs apt sources (/etc/apt/sources.list[.d]) naming a Debian mirror");
    return undefined;
  }
  const suite = first.suite.replace(/-(updates|security)$/, "");
  const main = sourcesForSuite(all, suite, ["main"])[0] ?? first;
  const url = `${main.uri.replace(/\/+$/, "")}/dists/${main.suite}/InRelease`;
  const dir = await mkdtemp(join(tmpdir(), "berth-probe-"));
  try {
    // The downloader the build uses, so a proxy from the environment counts here too.
    await downloadToFile(url, join(dir, "InRelease"), { idleTimeoutMs: 10_000, signal: AbortSignal.timeout(20_000) });
    return main;
  } catch (e) {
    t.skip(`needs the Debian mirror from the apt sources (${url} unreachable: ${(e as Error).message})`);
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every entry of the image's layers, later layers overriding earlier ones, by path without "./" or trailing "/". */
export async function imageFiles(store: ImageStore, manifest: Descriptor): Promise<Map<string, DebEntry>> {
  const m = JSON.parse((await store.content.readBytes(manifest.digest)).toString()) as { layers: { digest: Descriptor["digest"] }[] };
  const files = new Map<string, DebEntry>();
  for (const l of m.layers) {
    const raw = gunzipSync(await readFile(store.content.blobPath(l.digest)));
    for (const e of await readTarEntries(raw, l.digest)) files.set(e.path.replace(/\/$/, ""), e);
  }
  return files;
}
