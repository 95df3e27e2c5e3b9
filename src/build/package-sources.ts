import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import type { AptSource } from "./apt-sources.js";
import type { ArchiveCache } from "./archive-cache.js";
import { PackagesIndex } from "./packages-index.js";
import { DEFAULT_KEYRING, parseReleaseFile, verifyInRelease } from "./release-file.js";
import { unxz } from "./xz-decompress.js";
import { BerthError } from "../oci/index.js";

const MAX_INDEX_BYTES = 1 << 30;

/**
 * Load the Packages indexes of `sources` for `architecture`, as apt does:
 * InRelease fetched and checked with gpgv against the source's Signed-By
 * keyring (else the Debian archive keyring), then each component's
 * `binary-<arch>/Packages.xz` (or `.gz`, or plain) verified by the SHA256
 * the signed InRelease lists. `progress` receives one line per file.
 */
export async function loadPackagesIndex(
  sources: readonly AptSource[], architecture: string, cache: ArchiveCache, progress: (line: string) => void = () => undefined,
): Promise<PackagesIndex> {
  const index = new PackagesIndex();
  for (const src of sources) {
    const base = src.uri.replace(/\/+$/, "");
    const dists = `${base}/dists/${src.suite}`;
    const inReleaseUrl = `${dists}/InRelease`;
    progress(`Get ${inReleaseUrl}`);
    const fetched = await cache.fetchLatest(inReleaseUrl);
    if (fetched.isStale) progress(`  mirror unreachable: using the cached copy of ${inReleaseUrl}`);
    const release = parseReleaseFile(await verifyInRelease(fetched.path, src.signedBy ?? DEFAULT_KEYRING, inReleaseUrl), inReleaseUrl);
    for (const component of src.components) {
      const stem = `${component}/binary-${architecture}/Packages`;
      const pick = [".xz", ".gz", ""].map((ext) => ({ ext, entry: release.sha256.get(stem + ext) })).find((x) => x.entry !== undefined);
      if (!pick) {
        throw new BerthError("NOT_FOUND", `${inReleaseUrl}: lists no ${stem}(.xz|.gz)`, { hint: `check the component "${component}" and architecture "${architecture}"` });
      }
      const url = release.isAcquireByHash
        ? `${dists}/${component}/binary-${architecture}/by-hash/SHA256/${pick.entry!.sha256}`
        : `${dists}/${stem}${pick.ext}`;
      progress(`Get ${url}`);
      const bytes = await readFile(await cache.fetchVerified(url, pick.entry!.sha256, url));
      const text = pick.ext === ".xz" ? await unxz(bytes, url, MAX_INDEX_BYTES) : pick.ext === ".gz" ? gunzipSync(bytes, { maxOutputLength: MAX_INDEX_BYTES }) : bytes;
      index.addText(text.toString("utf8"), base, url);
    }
  }
  return index;
}
