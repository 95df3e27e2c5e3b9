import { createHash, randomBytes } from "node:crypto";
import { access, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ChecksumMismatchError, MirrorUnavailableError } from "./errors.js";
import { downloadToFile, type DownloadOptions } from "./http-download.js";

/**
 * Downloads from a Debian mirror, kept under `<berth root>/build-cache/` so a
 * rebuild from a lock needs no network:
 *
 * ```
 * build-cache/
 *   sha256/<hex>      files verified against an index (Packages.xz, .debs)
 *   urls/<hex>        the last copy of a file fetched by URL (InRelease), keyed by sha256(url)
 *   tmp/              downloads in progress; renamed into place when done
 * ```
 *
 * A file reaches `sha256/` only after its digest was checked, by rename, so
 * a crash never leaves a wrong file under a digest.
 */
export class ArchiveCache {
  constructor(readonly dir: string, private readonly opts: DownloadOptions = {}) {}

  /** The cached file for `sha256`, downloading `url` if it is not cached; `label` names it in errors. */
  async fetchVerified(url: string, sha256: string, label: string): Promise<string> {
    const path = join(this.dir, "sha256", sha256);
    if (await exists(path)) return path;
    const tmp = await this.tempPath();
    try {
      const got = await downloadToFile(url, tmp, this.opts);
      if (got.sha256 !== sha256) throw new ChecksumMismatchError(label, sha256, got.sha256);
      await mkdir(join(this.dir, "sha256"), { recursive: true });
      await rename(tmp, path);
      return path;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** True when the file for `sha256` is cached (a lock build can then run offline). */
  hasVerified(sha256: string): Promise<boolean> {
    return exists(join(this.dir, "sha256", sha256));
  }

  /**
   * Download `url` afresh (its content is not known in advance, as for
   * InRelease) and return the local path. When the mirror cannot be reached
   * the last copy is returned, with `isStale` set; with no copy the
   * MirrorUnavailableError is thrown.
   */
  async fetchLatest(url: string): Promise<{ path: string; isStale: boolean }> {
    const path = join(this.dir, "urls", createHash("sha256").update(url).digest("hex"));
    const tmp = await this.tempPath();
    try {
      await downloadToFile(url, tmp, this.opts);
      await mkdir(join(this.dir, "urls"), { recursive: true });
      await rename(tmp, path);
      return { path, isStale: false };
    } catch (e) {
      if (e instanceof MirrorUnavailableError && (await exists(path))) return { path, isStale: true };
      throw e;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async tempPath(): Promise<string> {
    await mkdir(join(this.dir, "tmp"), { recursive: true });
    return join(this.dir, "tmp", randomBytes(8).toString("hex"));
  }
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
