import type { TreeEntry } from "../rootfs-tree.js";

/**
 * NODE_MODULE_VERSION of each Node.js major (node's `process.versions.modules`).
 * An addon built for one runs on no other, unless it uses N-API.
 */
export const NODE_ABI_BY_MAJOR: Readonly<Record<number, number>> = { 16: 93, 18: 108, 19: 111, 20: 115, 21: 120, 22: 127, 23: 131, 24: 137 };

/** The Node.js ABI of Debian's nodejs version `18.19.0+dfsg-6~deb12u2` (epoch allowed), or undefined for an unknown major. */
export function abiOfDebianNodeVersion(version: string): number | undefined {
  const major = /^(?:\d+:)?(\d+)\./.exec(version)?.[1];
  return major === undefined ? undefined : NODE_ABI_BY_MAJOR[Number(major)];
}

const MARKER = Buffer.from("node_register_module_v");

/**
 * The ABI a native addon (`*.node`, an ELF shared object) was built for,
 * read from the name of its registration symbol `node_register_module_v<N>`;
 * undefined for an N-API addon (it exports `napi_register_module_v1` and
 * runs on any Node.js) or a file without the symbol.
 */
export function addonAbi(data: Buffer): number | undefined {
  for (let i = data.indexOf(MARKER); i >= 0; i = data.indexOf(MARKER, i + 1)) {
    const digits = /^\d+/.exec(data.subarray(i + MARKER.length, i + MARKER.length + 4).toString("latin1"))?.[0];
    if (digits !== undefined) return Number(digits);
  }
  return undefined;
}

/** Addons among `entries` whose ABI is not `imageAbi`: their paths and the ABIs they were built for. */
export function mismatchedAddons(entries: readonly TreeEntry[], imageAbi: number): { files: string[]; abis: number[] } {
  const files: string[] = [];
  const abis = new Set<number>();
  for (const e of entries) {
    if (e.type !== "file" || !e.path.endsWith(".node") || !e.data) continue;
    const abi = addonAbi(e.data);
    if (abi !== undefined && abi !== imageAbi) {
      files.push(e.path);
      abis.add(abi);
    }
  }
  return { files, abis: [...abis].sort() };
}
