import { InvalidArgumentError } from "../../oci/index.js";
import { readSmallFile } from "./cgroup-file.js";
import { CgroupFormatError } from "./errors.js";

/** Bytes through a network namespace's interfaces, loopback left out. */
export interface NetTotals {
  readonly rxBytes: number;
  readonly txBytes: number;
}

/**
 * Sum the received and transmitted bytes of every interface but `lo` in
 * /proc/<pid>/net/dev text (two header lines, then `name: 16 counters`;
 * the name and the first counter may touch, as in `eth0:123`). Throws
 * {@link CgroupFormatError} on a line that is not that.
 */
export function parseNetDev(text: string, file = "/proc/net/dev"): NetTotals {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of text.split("\n").slice(2)) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim();
    const counters = line.slice(colon + 1).trim().split(/\s+/);
    if (colon < 0 || name === "" || counters.length < 16 || !counters.every((c) => /^\d{1,20}$/.test(c))) {
      throw new CgroupFormatError(file, `expected "iface: 16 counters", got ${JSON.stringify(line.slice(0, 120))}`);
    }
    if (name === "lo") continue;
    rxBytes += Number(counters[0]);
    txBytes += Number(counters[8]);
  }
  return { rxBytes, txBytes };
}

/**
 * The network totals of the namespace `pid` is in. A process that has
 * gone (the container stopped between two reads) counts as no traffic.
 */
export async function readNetDev(pid: number, procRoot = "/proc"): Promise<NetTotals> {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new InvalidArgumentError(`pid ${pid}: must be a positive integer`);
  const file = `${procRoot}/${pid}/net/dev`;
  const text = await readSmallFile(file);
  return text === undefined ? { rxBytes: 0, txBytes: 0 } : parseNetDev(text, file);
}
