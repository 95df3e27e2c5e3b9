import { InvalidArgumentError, parseDigest, type Digest } from "../../oci/index.js";

/** How a snapshot stores whiteouts; see WhiteoutFormat (`apply` is never used for snapshots). */
export type SnapshotFormat = "overlay" | "marker";

/** What `<snapshot>/meta.json` records about one snapshot. */
export interface SnapshotInfo {
  readonly chainId: Digest;
  /** ChainID of the snapshot below; undefined for a base layer. */
  readonly parent: Digest | undefined;
  readonly diffId: Digest;
  /** Bytes of the uncompressed layer tar. */
  readonly size: number;
  readonly format: SnapshotFormat;
  /** Directories of this layer that hide the layers below (relative paths); flattening needs them. */
  readonly opaqueDirs: readonly string[];
}

/** Parse meta.json; `file` names it in errors. */
export function parseSnapshotMeta(text: string, file: string): SnapshotInfo {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${file}: not JSON`, { cause: e });
  }
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  const str = (key: string): string => {
    if (typeof o[key] !== "string") throw new InvalidArgumentError(`${file}: ${key} must be a string`);
    return o[key];
  };
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) throw new InvalidArgumentError(`${file}: size must be a byte count`);
  const format = str("format");
  if (format !== "overlay" && format !== "marker") throw new InvalidArgumentError(`${file}: format must be "overlay" or "marker"`);
  const opaque = o.opaqueDirs ?? [];
  if (!Array.isArray(opaque) || !opaque.every((d) => typeof d === "string")) throw new InvalidArgumentError(`${file}: opaqueDirs must be strings`);
  return {
    chainId: parseDigest(str("chainId"), `${file}: chainId`),
    parent: o.parent === undefined || o.parent === null ? undefined : parseDigest(str("parent"), `${file}: parent`),
    diffId: parseDigest(str("diffId"), `${file}: diffId`),
    size: o.size,
    format,
    opaqueDirs: opaque as string[],
  };
}

/** meta.json text, keys in a fixed order. */
export function formatSnapshotMeta(info: SnapshotInfo): string {
  return `${JSON.stringify({
    chainId: info.chainId, parent: info.parent ?? null, diffId: info.diffId, size: info.size, format: info.format, opaqueDirs: info.opaqueDirs,
  }, null, 2)}\n`;
}
