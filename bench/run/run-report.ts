import { printPeerTable, type PeerTableRow, type PeerValue } from "../harness/peer-table.js";
import { median, percentile, spread } from "../harness/stats.js";
import { formatValue } from "../harness/table.js";
import type { BreakdownGroup } from "./breakdown.js";
import { stepMedian } from "./breakdown.js";
import type { DetachedResult } from "./detached-part.js";
import type { OneShotResult } from "./oneshot-runs.js";
import { FLOOR_NAME, SPEC_FLOOR_NAME } from "./oneshot-sides.js";
import type { RunBenchOptions } from "./run-options.js";

/** Everything the report prints. */
export interface RunReport {
  readonly opts: RunBenchOptions;
  readonly oneShot: readonly OneShotResult[];
  readonly detached: readonly DetachedResult[];
  readonly breakdown: readonly BreakdownGroup[];
  readonly versions: readonly string[];
  /** How berth's commands ran: with its daemon or each in its own process. */
  readonly berthSetup: string;
  readonly loadAtStart: string;
  readonly loadAtEnd: string;
}

/** berth's `run --rm` may take at most 2x the runc floor: ratio floor/berth >= 0.5. */
export const FLOOR_TARGET = 0.5;
/** … and at most 0.4x docker's: ratio docker/berth >= 2.5. */
export const DOCKER_TARGET = 2.5;
/** Per-container memory at most docker's; the issue sets no target for start/stop totals, 1.0 = as fast as docker. */
export const DETACHED_TARGET = 1.0;

const MiB = 1024;
const out = (l: string): void => void process.stdout.write(`${l}\n`);

/** A side's value from its samples, or n/a with the reason. */
function valueOf(name: string, problem: string | undefined, samples: readonly number[], pick: (xs: readonly number[]) => number,
  spreadOf?: readonly number[]): PeerValue {
  if (problem !== undefined || samples.length === 0) return { name, value: undefined, note: problem ?? "no samples" };
  return { name, value: pick(samples), spread: spread([...(spreadOf ?? samples)]) };
}

function oneShotRows(results: readonly OneShotResult[]): PeerTableRow[] {
  const berth = results.find((r) => r.isBerth);
  const rows: PeerTableRow[] = [];
  for (const [stat, pick] of [["median", median], ["p90", (xs: readonly number[]) => percentile(xs, 90)]] as const) {
    for (const [peer, target] of [[results.find((r) => r.name === FLOOR_NAME), FLOOR_TARGET], [results.find((r) => r.name.startsWith("docker")), DOCKER_TARGET]] as const) {
      if (berth === undefined || peer === undefined) continue;
      rows.push({
        label: `run --rm true, ${stat}`, unit: "ms", better: "lower", target,
        berth: valueOf("berth", berth.problem, berth.wallMs, pick),
        peers: [valueOf(peer.name, peer.problem, peer.wallMs, pick)],
      });
    }
  }
  return rows;
}

function detachedRows(results: readonly DetachedResult[], n: number): PeerTableRow[] {
  const berth = results.find((r) => r.isBerth);
  const docker = results.find((r) => !r.isBerth);
  if (berth === undefined || docker === undefined) return [];
  const row = (label: string, unit: string, sample: (r: DetachedResult) => number[], spreadOf?: (r: DetachedResult) => number[]): PeerTableRow => ({
    label, unit, better: "lower", target: DETACHED_TARGET,
    berth: valueOf("berth", berth.problem, sample(berth), median, spreadOf?.(berth)),
    peers: [valueOf(docker.name, docker.problem, sample(docker), median, spreadOf?.(docker))],
  });
  const monitorsMiB = (r: DetachedResult, key: "pssKiB" | "rssKiB"): number[] => r.rounds.flatMap((x) => x.monitors.map((m) => m[key] / MiB));
  return [
    row(`start ${n} detached, total`, "s", (r) => r.rounds.map((x) => x.startMs / 1000)),
    row(`stop -t 1 + rm -f ${n}, total`, "s", (r) => r.rounds.map((x) => (x.stopMs + x.removeMs) / 1000)),
    row("monitor PSS per container", "MiB", (r) => r.rounds.map((x) => x.pssPerContainerKiB / MiB), (r) => monitorsMiB(r, "pssKiB")),
    row("monitor RSS per container", "MiB", (r) => r.rounds.map((x) => x.rssPerContainerKiB / MiB), (r) => monitorsMiB(r, "rssKiB")),
    memAvailableRow(row("MemAvailable drop per container", "MiB", (r) => r.rounds.map((x) => (x.memAvailableBeforeKiB - x.memAvailableAfterKiB) / x.containers / MiB))),
  ];
}

/** A drop of zero or less means other work on the machine outweighed the containers: no ratio, say so. */
function memAvailableRow(row: PeerTableRow): PeerTableRow {
  const checked = (v: PeerValue): PeerValue => (v.value === undefined || v.value > 0 ? v
    : { name: v.name, value: undefined, note: `MemAvailable did not drop (${formatValue(v.value)} MiB per container): other work on the machine outweighed the containers` });
  return { ...row, berth: checked(row.berth), peers: row.peers.map(checked) };
}

/**
 * berth against bare runc running the same rootfs under berth's own spec: what is left is berth's
 * own cost (CLI, daemon, overlay, monitor), apart from what the isolation costs runc.
 */
function printIsolationShare(results: readonly OneShotResult[]): void {
  const berth = results.find((r) => r.isBerth);
  const floor = results.find((r) => r.name === FLOOR_NAME);
  const spec = results.find((r) => r.name === SPEC_FLOOR_NAME);
  if (berth === undefined || floor === undefined || spec === undefined) return;
  if ([berth, floor, spec].some((r) => r.wallMs.length === 0)) return;
  const [b, f, s] = [median(berth.wallMs), median(floor.wallMs), median(spec.wallMs)];
  out(`  isolation: bare runc with berth's spec (docker's seccomp profile, capabilities, masked paths, cgroup) takes ${formatValue(s)} ms, ` +
    `${s >= f ? `${formatValue(s - f)} ms more` : `${formatValue(f - s)} ms less`} than the floor's default spec in this run; berth's own cost (CLI, daemon, overlay, monitor) is the rest, ` +
    `${formatValue(b - s)} ms (medians). berth is ${formatValue(b / s)}x runc with its spec (no target; the floor row's is 2x).`);
}

function printOneShotDetails(results: readonly OneShotResult[]): void {
  if (results.length === 0) return;
  out("\nrun --rm true, per side (ms of wall time; CPU = all cores of the machine during the run, daemons and monitors included):");
  for (const r of results) {
    if (r.wallMs.length === 0) {
      out(`  ${r.name.padEnd(24)} n/a: ${r.problem ?? "no samples"}`);
      continue;
    }
    const w = r.wallMs;
    out(`  ${r.name.padEnd(24)} min ${formatValue(Math.min(...w))}  median ${formatValue(median(w))}  p90 ${formatValue(percentile(w, 90))}` +
      `  max ${formatValue(Math.max(...w))}  CPU median ${formatValue(median(r.cpuMs))}  (${w.length} runs)${r.problem ? `; ${r.problem}` : ""}`);
  }
}

function printBreakdown(groups: readonly BreakdownGroup[]): void {
  if (groups.length === 0) return;
  out("\nwhere the time goes: each step a separate command, median ms of the repetitions:");
  for (const g of groups) {
    const steps = g.steps.map((s) => `${s.label} ${formatValue(stepMedian(s))}`).join(" | ");
    const total = g.name === "process start" ? "" : `  = ${formatValue(g.steps.reduce((a, s) => a + (stepMedian(s) ?? 0), 0))} in all`;
    out(`  ${g.name.padEnd(14)} ${steps}${total}${g.problem ? `  (stopped: ${g.problem})` : ""}`);
  }
}

function printDetachedDetails(results: readonly DetachedResult[]): void {
  if (results.length === 0) return;
  out("\ndetached containers, per side and round (sleep 600 as pid 1 ignores SIGTERM, so every stop waits its 1 s):");
  const mib = (kib: number): string => formatValue(kib / MiB);
  for (const r of results) {
    if (r.rounds.length === 0) out(`  ${r.name}: n/a: ${r.problem ?? "no rounds"}`);
    for (const [i, x] of r.rounds.entries()) {
      out(`  ${r.name} round ${i + 1}: ${x.containers} started in ${formatValue(x.startMs / 1000)} s (${formatValue(x.startMs / x.containers)} ms each); ` +
        `stop ${formatValue(x.stopMs / 1000)} s, rm -f ${formatValue(x.removeMs / 1000)} s; ${x.monitors.length} monitor process(es), ` +
        `PSS ${mib(x.pssPerContainerKiB)} / RSS ${mib(x.rssPerContainerKiB)} MiB per container; MemAvailable ${mib(x.memAvailableBeforeKiB)} -> ` +
        `${mib(x.memAvailableAfterKiB)} MiB` + (x.daemonRssBeforeKiB > 0 ? `; dockerd + containerd RSS ${mib(x.daemonRssBeforeKiB)} -> ${mib(x.daemonRssAfterKiB)} MiB` : ""));
    }
    if (r.problem !== undefined && r.rounds.length > 0) out(`  ${r.name}: ${r.problem}`);
  }
}

/** Print the set-up, the table, the details under it and what was not measured, to stdout. */
export function printRunReport(report: RunReport): void {
  const { opts } = report;
  out(`\nrun bench: one busybox image, ${opts.runs} timed runs per side after ${opts.warmup} warm-ups, order rotating per run; ` +
    `${opts.containers} detached containers per side, ${opts.rounds} round(s)`);
  out("  berth:  berth --root <tmp> run --rm --network none localhost/busybox:bench /bin/busybox true   (under conmon + runc)");
  out(`          ${report.berthSetup}`);
  out("  docker: docker run --rm --network none busybox:bench /bin/busybox true   (the bench's own dockerd, image from docker load)");
  out("  floor:  runc --root <tmp> run --bundle <unpacked busybox, runc spec + terminal false> <fresh id>");
  out("          and the same rootfs under berth's spec: the config.json berth wrote for a `run -d --network none` of the image, command and paths rewritten");
  out("  detached: run -d --network none IMAGE /bin/busybox sleep 600, one after another; then stop -t 1 <all ids> and rm -f <all ids>, one command each");
  out(`  tools: ${report.versions.join("; ")}`);
  out(`  load average at start ${report.loadAtStart}, at end ${report.loadAtEnd} (other work on the machine shows up as spread)`);
  const rows = [...oneShotRows(report.oneShot), ...detachedRows(report.detached, opts.containers)];
  if (rows.length > 0) printPeerTable("results", rows);
  out("  memory rows: PSS/RSS of each container's monitor (berth: conmon; docker: containerd-shim-runc-v2), the parent of the container's init;");
  out("  their spread is over the monitors. MemAvailable drop = (before - after starting them) / containers, whole machine: noisy, kernel objects included.");
  out(`  targets (issue 4): run --rm median and p90 <= 2x the runc floor (ratio >= ${FLOOR_TARGET}) and <= 0.4x docker (ratio >= ${DOCKER_TARGET});` +
    " per-container memory <= docker's. Start/stop totals have no target there; 1.0x means as fast as docker.");
  printIsolationShare(report.oneShot);
  printOneShotDetails(report.oneShot);
  printBreakdown(report.breakdown);
  printDetachedDetails(report.detached);
  out("\nnot measured: --network bridge against docker's default bridge (the bench's dockerd runs with --bridge=none, so docker has no bridge here).");
}
