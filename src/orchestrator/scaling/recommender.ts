import type { RightSizeOptions } from "../compose/index.js";
import { DEFAULT_RIGHT_SIZE } from "../compose/x-berth-schema.js";
import { CPU_SCALE, DecayingHistogram, MEMORY_SCALE } from "./decaying-histogram.js";
import { checkNumber } from "./errors.js";
import type { CurrentLimits, ServiceRecommendation } from "./recommendation.js";
import { limitFindings, verdictOf } from "./recommendation-warnings.js";
import { estimateResource, type EstimateOptions } from "./resource-estimate.js";
import { ceilMiB, ceilMillicores } from "./resource-units.js";
import { isValidSample, type UsageSample } from "./usage-sample.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// One container's peaks per interval are kept; a service replacing containers endlessly folds the excess into one entry.
const MAX_CONTAINERS_PER_INTERVAL = 1000;
const OVERFLOW = "\0overflow";

/** Tuning of {@link Recommender}; every field has the default shown. */
export interface RecommenderOptions {
  /** A sample this much older than another counts half as much (the VPA's 24 h). */
  readonly halfLifeMs?: number;
  /** Memory peaks are taken per container per interval of this length; history is kept in intervals (1 h). */
  readonly intervalMs?: number;
  /** Intervals older than this are dropped, whatever window is asked for (8 days, the VPA's memory window). */
  readonly retainMs?: number;
  /** Fewer CPU samples than this in the window: not enough data (60: 5 min of one replica sampled every 5 s). */
  readonly minSamples?: number;
  /** Less history than this in the window: not enough data (5 min). */
  readonly minHistoryMs?: number;
  /** Floors of every suggestion: 0.01 core, 16 MiB. */
  readonly minCpu?: number;
  readonly minMemoryBytes?: number;
  /** The clock (Date.now): samples more than an hour ahead of it are refused, so one bad time cannot prune all history. */
  readonly now?: () => number;
}

/** What {@link Recommender.recommend} is asked with. */
export interface RecommendOptions {
  /** `x-berth.right-size`; default its defaults (24 h window, p90, p90, 15 %). */
  readonly rightSize?: RightSizeOptions;
  /** The service's limits now, judged against the estimate. */
  readonly limits?: CurrentLimits;
  /** Default Date.now(). */
  readonly now?: number;
}

interface Interval {
  readonly start: number;
  readonly cpu: DecayingHistogram;
  readonly peaks: Map<string, number>;
  count: number;
  first: number;
}

/**
 * Right-sizing in the manner of the Kubernetes VPA recommender. Per service it
 * keeps, for each interval (1 h), a decaying histogram of CPU samples
 * (exponential buckets, half-life 24 h) and each container's memory peak.
 * A recommendation merges the intervals inside the right-size window: CPU
 * from the percentile of all samples, memory from the percentile of the
 * per-interval peaks (so a short spike counts once per interval, not once per
 * sample), each with margin, floors and confidence-scaled bounds.
 *
 * Feed it with {@link add} as samples arrive (or replay them from the store
 * after a restart: order does not matter). Memory is bounded by services ×
 * retained intervals × containers; call {@link forget} for a removed service.
 */
export class Recommender {
  private readonly services = new Map<string, Map<number, Interval>>();
  private readonly opts: Required<RecommenderOptions>;

  constructor(opts: RecommenderOptions = {}) {
    this.opts = {
      halfLifeMs: opts.halfLifeMs ?? DAY,
      intervalMs: opts.intervalMs ?? HOUR,
      retainMs: opts.retainMs ?? 8 * DAY,
      minSamples: opts.minSamples ?? 60,
      minHistoryMs: opts.minHistoryMs ?? 5 * 60_000,
      minCpu: opts.minCpu ?? 0.01,
      minMemoryBytes: opts.minMemoryBytes ?? 16 * 1024 * 1024,
      now: opts.now ?? Date.now,
    };
    checkNumber("halfLifeMs", this.opts.halfLifeMs, 1, Number.MAX_SAFE_INTEGER);
    checkNumber("intervalMs", this.opts.intervalMs, 1, Number.MAX_SAFE_INTEGER);
    checkNumber("retainMs", this.opts.retainMs, this.opts.intervalMs, Number.MAX_SAFE_INTEGER);
    checkNumber("minSamples", this.opts.minSamples, 1, Number.MAX_SAFE_INTEGER, true);
    checkNumber("minHistoryMs", this.opts.minHistoryMs, 0, Number.MAX_SAFE_INTEGER);
  }

  /** Take samples in; invalid ones (NaN, negative, over an hour in the future) and ones older than the retention are ignored. */
  add(samples: Iterable<UsageSample>): void {
    let newest = -Infinity;
    const latest = this.opts.now() + HOUR;
    for (const s of samples) {
      if (!isValidSample(s) || s.time > latest) continue;
      const key = serviceKey(s.project, s.service);
      const intervals = this.services.get(key) ?? new Map<number, Interval>();
      this.services.set(key, intervals);
      const start = Math.floor(s.time / this.opts.intervalMs) * this.opts.intervalMs;
      let iv = intervals.get(start);
      if (iv === undefined) {
        iv = { start, cpu: new DecayingHistogram(CPU_SCALE, this.opts.halfLifeMs), peaks: new Map(), count: 0, first: s.time };
        intervals.set(start, iv);
      }
      iv.cpu.add(s.cpu, s.time);
      iv.count++;
      iv.first = Math.min(iv.first, s.time);
      const container = iv.peaks.has(s.container) || iv.peaks.size < MAX_CONTAINERS_PER_INTERVAL ? s.container : OVERFLOW;
      iv.peaks.set(container, Math.max(iv.peaks.get(container) ?? 0, s.memoryBytes));
      newest = Math.max(newest, s.time);
    }
    if (newest > -Infinity) this.prune(newest - this.opts.retainMs);
  }

  /** Drop what is known of one service, or of every service of `project`. */
  forget(project: string, service?: string): void {
    for (const key of [...this.services.keys()]) {
      const [p, s] = JSON.parse(key) as [string, string];
      if (p === project && (service === undefined || s === service)) this.services.delete(key);
    }
  }

  /** The services with any history, as [project, service], sorted. */
  known(): [string, string][] {
    return [...this.services.keys()].sort().map((k) => JSON.parse(k) as [string, string]);
  }

  /** The recommendation for one service from the history inside its window. Throws ScalingInputError for a right-size percentile outside (0, 100]. */
  recommend(project: string, service: string, opts: RecommendOptions = {}): ServiceRecommendation {
    const rs = opts.rightSize ?? DEFAULT_RIGHT_SIZE;
    checkNumber("right-size cpu_percentile", rs.cpuPercentile, 0.001, 100);
    checkNumber("right-size memory_percentile", rs.memoryPercentile, 0.001, 100);
    checkNumber("right-size margin", rs.marginPercent, 0, 1000);
    checkNumber("right-size window (ms)", rs.windowMs, 1, Number.MAX_SAFE_INTEGER);
    const now = opts.now ?? Date.now();
    const current = opts.limits ?? {};
    const cpu = new DecayingHistogram(CPU_SCALE, this.opts.halfLifeMs);
    const memory = new DecayingHistogram(MEMORY_SCALE, this.opts.halfLifeMs);
    let samples = 0;
    let first = Infinity;
    for (const iv of this.services.get(serviceKey(project, service))?.values() ?? []) {
      if (iv.start + this.opts.intervalMs <= now - rs.windowMs || iv.start > now) continue;
      cpu.merge(iv.cpu);
      for (const peak of iv.peaks.values()) memory.add(peak, iv.start);
      samples += iv.count;
      first = Math.min(first, iv.first);
    }
    const historyMs = samples === 0 ? 0 : Math.max(0, now - first);
    const confidence = Math.min(historyMs, samples * 60_000) / DAY;
    const base = { project, service, samples, historyMs, confidence, current };
    if (samples < this.opts.minSamples || historyMs < this.opts.minHistoryMs) {
      const note = `not enough data: ${samples} samples over ${minutes(historyMs)}, needs ${this.opts.minSamples} over ${minutes(this.opts.minHistoryMs)}`;
      return { ...base, verdict: "not-enough-data", note };
    }
    const common: Omit<EstimateOptions, "percentile" | "limitPercentile" | "minimum" | "round"> = { marginPercent: rs.marginPercent, confidence };
    const cpuEstimate = estimateResource(cpu, { ...common, percentile: rs.cpuPercentile, limitPercentile: 99, minimum: this.opts.minCpu, round: ceilMillicores });
    // A memory limit below any peak seen is an OOM kill waiting: the limit covers the highest peak.
    const memoryEstimate = estimateResource(memory, { ...common, percentile: rs.memoryPercentile, limitPercentile: 100, minimum: this.opts.minMemoryBytes, round: ceilMiB });
    return { ...base, cpu: cpuEstimate, memory: memoryEstimate, ...verdictOf(limitFindings(current, cpuEstimate, memoryEstimate)) };
  }

  private prune(before: number): void {
    for (const [key, intervals] of this.services) {
      for (const start of intervals.keys()) if (start + this.opts.intervalMs <= before) intervals.delete(start);
      if (intervals.size === 0) this.services.delete(key);
    }
  }
}

const serviceKey = (project: string, service: string): string => JSON.stringify([project, service]);

const minutes = (ms: number): string => (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)}h` : `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`);
