import { parseArgs } from "node:util";
import type { PeerCache } from "./registry-servers.js";

/** Flags of `run.js registry`. */
export interface RegistryBenchOptions {
  /** Runs per row; the table shows the median. */
  readonly runs: number;
  /** Run one side only (e.g. while the other does not start). */
  readonly only: "berth" | "peer" | undefined;
  readonly peerCache: PeerCache;
  /** Size of the big blob in MiB; 256 for the published numbers, smaller for a quick check. */
  readonly blobMiB: number;
}

export const REGISTRY_USAGE = `usage: node dist/bench/run.js registry [--runs N] [--only berth|peer] [--peer-cache none|inmemory] [--blob-mib N]
  --runs N            runs per row, median reported (default 5)
  --only SIDE         run berth or the peer alone
  --peer-cache C      distribution's blobdescriptor cache: none (its default without storage.cache) or inmemory (default none)
  --blob-mib N        big blob size in MiB, a multiple of 8 (default 256)`;

function positiveInt(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${v}" is not a positive integer`);
  return n;
}

/** Parse the flags; throws a message naming the flag on bad input. */
export function parseRegistryBenchOptions(args: readonly string[]): RegistryBenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      runs: { type: "string" },
      only: { type: "string" },
      "peer-cache": { type: "string" },
      "blob-mib": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = values.only;
  if (only !== undefined && only !== "berth" && only !== "peer") throw new Error(`--only: "${only}" is not berth or peer`);
  const cache = values["peer-cache"] ?? "none";
  if (cache !== "none" && cache !== "inmemory") throw new Error(`--peer-cache: "${cache}" is not none or inmemory`);
  const blobMiB = positiveInt("--blob-mib", values["blob-mib"], 256);
  if (blobMiB % 8 !== 0) throw new Error(`--blob-mib: ${blobMiB} is not a multiple of 8 (the chunk size)`);
  return { runs: positiveInt("--runs", values.runs, 5), only, peerCache: cache, blobMiB };
}
