import { bestPeer, peerRatio, printPeerTable, type PeerTableRow, type PeerValue } from "../harness/peer-table.js";
import { formatValue } from "../harness/table.js";
import type { BenchImage } from "./bench-image.js";
import { medianOf, type ContenderResult } from "./contender.js";
import type { Floors } from "./floors.js";
import type { PullBenchOptions, PullRowId } from "./pull-options.js";

/** One line per tool, as each prints its version; `docker` is filled in once dockerd runs. */
export interface ToolVersions {
  readonly berth: string;
  readonly skopeo: string;
  readonly umoci: string;
  readonly registry: string;
  docker: string;
}

/** Everything {@link printPullReport} prints. */
export interface PullReport {
  readonly opts: PullBenchOptions;
  readonly image: BenchImage;
  /** host:port of the source registry. */
  readonly source: string;
  readonly results: ReadonlyMap<PullRowId, readonly ContenderResult[]>;
  readonly floors: Floors;
  readonly versions: ToolVersions;
  readonly loadAtStart: string;
  readonly loadAtEnd: string;
}

/** berth must be this many times faster than the fastest peer on every row. */
export const PULL_TARGET = 1.25;

const MiB = 1024 * 1024;
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

function rowLabel(id: PullRowId, image: BenchImage): string {
  const gz = image.layers.reduce((n, l) => n + l.size, 0);
  if (id === "pull") return `pull + unpack, ${mib(image.fileBytes)} MiB of files`;
  if (id === "push") return `push, ${mib(gz)} MiB gzip`;
  return `copy registry to registry, ${mib(gz)} MiB`;
}

function toRow(id: PullRowId, results: readonly ContenderResult[], report: PullReport): PeerTableRow {
  const value = (r: ContenderResult): PeerValue => {
    const m = medianOf(r, report.opts.runs);
    return { name: r.name, value: m?.value, ...(m && { spread: m.spread }), ...(r.problem !== undefined && { note: r.problem }) };
  };
  const berth = results.find((r) => r.isBerth);
  return {
    label: rowLabel(id, report.image), unit: "s", better: "lower", target: PULL_TARGET,
    berth: berth === undefined ? { name: "berth", value: undefined } : value(berth),
    peers: results.filter((r) => !r.isBerth).map(value),
  };
}

/** Print the set-up, the table, the fastest peer per row, the floors and the verdict to stdout. */
export function printPullReport(report: PullReport): void {
  const { opts, image, floors, versions } = report;
  const out = (l: string): void => void process.stdout.write(`${l}\n`);
  const tar = image.layers.reduce((n, l) => n + l.tarSize, 0);
  const gz = image.layers.reduce((n, l) => n + l.size, 0);
  out(`\npull bench: berth vs its peers, medians of ${opts.runs} runs, contender order rotating per run; seconds, lower is better`);
  out(`  image: ${image.layers.length} layers, ${image.files} files, ${mib(image.fileBytes)} MiB of files (tar ${mib(tar)} MiB), ` +
    `${mib(gz)} MiB as gzip (zlib default level), OCI manifest ${image.manifest.digest}`);
  out(`  layers, gzip/tar MiB: ${image.layers.map((l) => `${l.name} ${mib(l.size)}/${mib(l.tarSize)}`).join(", ")}`);
  out(`  source: ${versions.registry} at ${report.source}, blobs in page cache; every push and copy attempt gets a new, empty docker-registry`);
  out("  pull + unpack: berth --root <new dir> pull | skopeo copy docker:// oci:<new layout> then umoci unpack (as root) |" +
    " docker pull -q on the bench's own dockerd (overlay2; rmi + image prune -a between runs, so every pull is cold)");
  out("  push: berth push from its store (filled once, untimed) | skopeo copy oci:<bench layout> docker://");
  out("  copy: berth copy | skopeo copy docker:// docker://");
  out("  each attempt: sync before (untimed); afterwards (untimed) a check that every file was unpacked or every blob arrived unchanged");
  out(`  tools: berth ${versions.berth}; ${versions.skopeo}; ${versions.umoci}; ${versions.docker}`);
  out(`  load average at start ${report.loadAtStart}, at end ${report.loadAtEnd} (2 cores; other work on the machine shows up as spread)`);

  const rows = [...report.results].map(([id, results]) => toRow(id, results, report));
  printPeerTable("results", rows);

  out("\nfastest peer per row, and the time berth needs to meet the target:");
  for (const r of rows) {
    const best = bestPeer(r);
    out(best?.value === undefined
      ? `  ${r.label}: no peer ran`
      : `  ${r.label}: ${best.name} ${formatValue(best.value)} s; berth needs <= ${formatValue(best.value / PULL_TARGET)} s for ${PULL_TARGET}x`);
  }
  out(`\nmachine floors (no contender can go below these here):`);
  out(`  gzip sha256 + gunzip + tar sha256 of every layer, 2 at once, nothing written: ${formatValue(floors.inflate)} s (part of any verifying pull)`);
  out(`  raw push of every blob (POST + one PUT, 4 at once) and the manifest to an empty docker-registry: ${formatValue(floors.push)} s` +
    " (the registry's own share of a push or copy)");
  const below = rows.filter((r) => (peerRatio(r) ?? Infinity) < r.target).length;
  const unrated = rows.filter((r) => peerRatio(r) === undefined).length;
  out(`\ntarget: berth >= ${PULL_TARGET}x faster than the fastest peer on each row; ${below} row(s) below` +
    `${unrated > 0 ? `, ${unrated} not rated (a side did not run; see the notes under the table)` : ""}.`);
}
