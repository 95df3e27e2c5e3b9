import { isBerthError } from "../../oci/index.js";
import type { ObservedReplica } from "../stack/observe-stack.js";
import { cgroupUsageReader, type ContainerUsageReader } from "./container-usage-reader.js";
import type { UsageSample } from "./usage-sample.js";

/** Tuning of {@link UsageSampler}; every field has the default shown. */
export interface UsageSamplerOptions {
  /** Where counters come from (default: the container's cgroup, `cgroupUsageReader()`). */
  readonly read?: ContainerUsageReader;
  /** The clock, ms since the epoch (default Date.now). */
  readonly now?: () => number;
  /** Containers read at once (8). */
  readonly concurrency?: number;
  /** Containers read per call at most (500); the rest are reported in `skipped`. */
  readonly maxContainers?: number;
  /** A read sooner than this after the last one of a container gives no sample and keeps the older baseline (250 ms). */
  readonly minIntervalMs?: number;
}

/** What one {@link UsageSampler.sample} call found. */
export interface SampleResult {
  readonly samples: UsageSample[];
  /** Containers that could not be read (not gone: gone ones are simply dropped), one message each. */
  readonly errors: { readonly container: string; readonly message: string }[];
  /** Running containers beyond `maxContainers`, not read this time. */
  readonly skipped: number;
}

interface Baseline {
  readonly startedAt: string | undefined;
  readonly cpuNs: number;
  readonly time: number;
}

/**
 * Turns repeated reads of containers' cgroup counters into
 * {@link UsageSample}s. Keep one sampler for the daemon's life and call
 * {@link sample} every few seconds with the observed replicas of the stacks:
 *
 * - only running containers are read, `concurrency` at a time, `maxContainers`
 *   at most; nothing is run as a process;
 * - CPU is the cores used on average since the previous read of the same
 *   container, so the first read of a container gives no sample, only a
 *   baseline; a counter that went down or a new start time (a restart) starts
 *   the container over;
 * - a container whose cgroup is gone, or that is no longer passed in, is
 *   forgotten; a read that fails otherwise is reported in `errors`, never thrown.
 *
 * Not safe for two overlapping calls: await one before the next.
 */
export class UsageSampler {
  private readonly baselines = new Map<string, Baseline>();
  private readonly read: ContainerUsageReader;
  private readonly now: () => number;
  private readonly concurrency: number;
  private readonly maxContainers: number;
  private readonly minIntervalMs: number;

  constructor(opts: UsageSamplerOptions = {}) {
    this.read = opts.read ?? cgroupUsageReader();
    this.now = opts.now ?? Date.now;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 8));
    this.maxContainers = Math.max(0, Math.floor(opts.maxContainers ?? 500));
    this.minIntervalMs = opts.minIntervalMs ?? 250;
  }

  /** Containers with a baseline now. */
  get tracked(): number {
    return this.baselines.size;
  }

  /** Read every running replica once; samples in the order of `replicas`. */
  async sample(replicas: readonly ObservedReplica[], signal?: AbortSignal): Promise<SampleResult> {
    const running = replicas.filter((r) => r.summary.state.status === "running");
    const batch = running.slice(0, this.maxContainers);
    const seen = new Set(running.map((r) => r.summary.record.id));
    for (const id of this.baselines.keys()) if (!seen.has(id)) this.baselines.delete(id);
    const out: (UsageSample | undefined)[] = Array<UsageSample | undefined>(batch.length);
    const errors: SampleResult["errors"] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < batch.length && signal?.aborted !== true; i = next++) {
        const r = batch[i]!;
        try {
          out[i] = await this.sampleOne(r);
        } catch (e) {
          errors.push({ container: nameOf(r), message: e instanceof Error ? e.message : String(e) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, worker));
    return { samples: out.filter((s): s is UsageSample => s !== undefined), errors, skipped: running.length - batch.length };
  }

  private async sampleOne(r: ObservedReplica): Promise<UsageSample | undefined> {
    const id = r.summary.record.id;
    let usage;
    try {
      usage = await this.read(id);
    } catch (e) {
      if (!isBerthError(e, "NOT_FOUND")) throw e;
      this.baselines.delete(id);
      return undefined;
    }
    if (!(usage.cpuNs >= 0 && usage.memoryBytes >= 0 && Number.isFinite(usage.cpuNs) && Number.isFinite(usage.memoryBytes))) {
      throw new RangeError(`container ${nameOf(r)}: counters out of range (cpu ${usage.cpuNs} ns, memory ${usage.memoryBytes} bytes)`);
    }
    const time = this.now();
    const startedAt = r.summary.state.startedAt;
    const prev = this.baselines.get(id);
    const restarted = prev === undefined || prev.startedAt !== startedAt || usage.cpuNs < prev.cpuNs;
    if (restarted) {
      this.baselines.set(id, { startedAt, cpuNs: usage.cpuNs, time });
      return undefined;
    }
    const elapsedMs = time - prev.time;
    if (elapsedMs < this.minIntervalMs) return undefined;
    this.baselines.set(id, { startedAt, cpuNs: usage.cpuNs, time });
    const cpu = (usage.cpuNs - prev.cpuNs) / 1e9 / (elapsedMs / 1000);
    return { project: r.project, service: r.service, container: nameOf(r), time, cpu, memoryBytes: usage.memoryBytes };
  }
}

const nameOf = (r: ObservedReplica): string => r.summary.record.name ?? r.summary.record.id;
