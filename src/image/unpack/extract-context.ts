import type { DeferredDirectory } from "./make-parents.js";
import type { RootResolver } from "./root-path.js";
import type { SpecialFiles } from "./special-files.js";
import type { XattrWriter } from "./xattr-writer.js";

/**
 * How whiteouts are stored in the extracted directory:
 *
 * - `overlay`: as overlayfs upper directories hold them, a deleted path as a
 *   0/0 character device and an opaque directory with the xattr
 *   `trusted.overlay.opaque=y`, so the layer can be a lowerdir. Needs root.
 * - `marker`: the `.wh.` entries are kept as the empty files they are in the
 *   tar; only berth's flattening understands them. Works without root.
 * - `apply`: deletions are carried out on what is already in the directory,
 *   which then is the merged filesystem (containerd's naive apply).
 */
export type WhiteoutFormat = "overlay" | "marker" | "apply";

/** Something skipped rather than failed: a device without root, an xattr the filesystem refuses. */
export interface ExtractWarning {
  /** The entry's name as in the tar. */
  readonly entry: string;
  readonly message: string;
}

/** State of one extraction, shared by the files that apply entries. */
export interface ExtractContext {
  readonly layer: string;
  /** The destination, canonical (realpath). */
  readonly root: string;
  readonly format: WhiteoutFormat;
  readonly privileged: boolean;
  readonly allowDevices: boolean;
  /** Directories created as parents of entries, not by entries; see copyLowerMetadata. */
  readonly implicitDirs: Set<string>;
  readonly resolver: RootResolver;
  readonly xattrs: XattrWriter;
  readonly specials: SpecialFiles;
  /** Paths written by this layer (for opaque directories in `apply` format). */
  readonly unpacked: Set<string>;
  /** Directories whose mode and times are set last. */
  readonly deferred: Map<string, DeferredDirectory>;
  /** Entry names by the paths they were written to, to name the entry when a late step fails. */
  readonly entryAt: Map<string, string>;
  warn(entry: string, message: string): void;
  defer(path: string, dir: DeferredDirectory): void;
}
