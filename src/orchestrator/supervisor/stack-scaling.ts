import {
  currentLimits, decideReplicas, keepRecommendations, Recommender, recommendationWarnings, UsageSampler,
  type ReplicaRecommendation, type ServiceRecommendation, type UsageSample,
} from "../scaling/index.js";
import { currentReplicas, isReady, observeStack, type ObservedReplica } from "../stack/observe-stack.js";
import { nameOf } from "../stack/replica-lifecycle.js";
import type { StackPlan } from "../stack/stack-plan.js";
import { desiredCounts, type StackSupervisor, type SupervisedStack } from "./stack-supervisor.js";

/** Options of {@link StackScaling}; the defaults suit the daemon. */
export interface StackScalingOptions {
  /** Between two reads of every replica's usage (default 5 s). */
  readonly sampleEveryMs?: number;
  /** The autoscaler looks at this much recent usage (default 30 s). */
  readonly windowMs?: number;
  /** Samples older than this are dropped from SQLite (default 8 days: the recommender's longest window plus a day). */
  readonly keepMs?: number;
}

const DAY = 86_400_000;

/**
 * Usage, autoscaling and right-sizing for the kept stacks, run as one of
 * the supervisor's hooks: every few seconds each running replica's CPU and
 * memory are read from its cgroup and stored (SQLite, for `berth
 * recommend` after a restart) and fed to the recommender; services with
 * `x-berth.autoscale` get the HPA's decision from the last window's CPU,
 * applied through the supervisor's `scale` (so a scale is an event like
 * any other). The time of the last change is kept in memory; until there is
 * one, the stack's last `up` or scale counts (from SQLite), so a stack just
 * brought up, or a restarted daemon, waits out the cool-down first.
 */
export class StackScaling {
  private readonly sampler = new UsageSampler();
  readonly recommender = new Recommender();
  private readonly recent = new Map<string, UsageSample[]>();
  private readonly history = new Map<string, ReplicaRecommendation[]>();
  private readonly lastChange = new Map<string, number>();
  private lastSample = 0;
  private lastPrune = 0;
  private readonly scaling = new Set<string>();

  constructor(private readonly sup: StackSupervisor, private readonly opts: StackScalingOptions = {}) {}

  /** Feed the recommender what SQLite kept (a restarted daemon recommends from the history it had). */
  replay(now = Date.now()): void {
    for (const s of this.sup.state.listStacks()) this.recommender.add(this.sup.state.samples({ project: s.project, sinceMs: now - 8 * DAY }));
  }

  /** The supervisor's hook: sample (at most every `sampleEveryMs`), then autoscale. */
  readonly hook = async (stacks: readonly SupervisedStack[]): Promise<void> => {
    const now = Date.now();
    if (now - this.lastSample < (this.opts.sampleEveryMs ?? 5_000)) return;
    this.lastSample = now;
    for (const s of stacks) {
      if (s.project === undefined || s.plan === undefined || s.stored.stopped) continue;
      const observed = s.observed ?? (await observeStack(this.sup.engine.runtime, s.stored.project));
      const { samples } = await this.sampler.sample(observed);
      if (samples.length > 0) {
        this.sup.state.addSamples(samples);
        this.recommender.add(samples);
        this.remember(samples, now);
      }
      this.autoscale(s, observed, now);
    }
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      this.sup.state.pruneSamples(now - (this.opts.keepMs ?? 8 * DAY));
    }
  };

  /** `berth recommend`: every service of the stack (or one), with its limits now. */
  recommend(stack: SupervisedStack, service?: string): ServiceRecommendation[] {
    const plan = stack.plan;
    if (plan === undefined || stack.project === undefined) return [];
    return plan.services
      .filter((s) => (service === undefined || s.name === service) && stack.project!.services[s.name]?.berth.rightSize.enabled !== false)
      .map((s) => this.recommender.recommend(stack.stored.project, s.name, { rightSize: stack.project!.services[s.name]!.berth.rightSize, limits: currentLimits(s) }));
  }

  /** The lines `berth up` prints for limits far from what a service has used (nothing without enough history). */
  upWarnings(project: string, plan: StackPlan, rightSizeOf: (service: string) => boolean): string[] {
    return plan.services.filter((s) => rightSizeOf(s.name)).flatMap((s) => {
      const limits = currentLimits(s);
      const rec = this.recommender.recommend(project, s.name, { limits });
      return rec.verdict === "not-enough-data" ? [] : recommendationWarnings(limits, rec);
    });
  }

  private remember(samples: readonly UsageSample[], now: number): void {
    const from = now - (this.opts.windowMs ?? 30_000);
    for (const s of samples) this.recent.set(s.container, [...(this.recent.get(s.container) ?? []), s].filter((x) => x.time >= from));
    for (const [c, list] of this.recent) if (list.every((x) => x.time < from)) this.recent.delete(c);
  }

  private autoscale(s: SupervisedStack, observed: readonly ObservedReplica[], now: number): void {
    const name = s.stored.project;
    if (this.sup.isBusy(name)) return;
    const counts = desiredCounts(s.stored);
    for (const planned of s.plan!.services) {
      const auto = s.project!.services[planned.name]?.berth.autoscale;
      if (auto === undefined) continue;
      const key = `${name}/${planned.name}`;
      const current = counts[planned.name] ?? planned.replicas;
      const replicas = currentReplicas(observed, planned.name, current).map((r) => ({
        container: nameOf(r), ready: isReady(r), samples: this.recent.get(nameOf(r)) ?? [],
      }));
      const cpus = currentLimits(planned).cpus;
      const decision = decideReplicas({
        current, min: auto.min, max: auto.max, targetCpuPercent: auto.cpuPercent, ...(cpus !== undefined && { cpuLimitCores: cpus }),
        // Until it changes a count, the stack's last up (or scale) is the change the cool-down counts from.
        replicas, lastChange: this.lastChange.get(key) ?? (Date.parse(s.stored.updated) || undefined), cooldownMs: auto.cooldownMs, now, history: this.history.get(key) ?? [],
      });
      this.history.set(key, keepRecommendations(this.history.get(key) ?? [], decision.recommendation, auto.cooldownMs));
      if (decision.replicas === current || this.scaling.has(key)) continue;
      this.lastChange.set(key, now);
      this.scaling.add(key);
      // Not awaited: the loop goes on reconciling other stacks while this one scales (it is busy meanwhile).
      void this.sup.scale(name, { [planned.name]: decision.replicas }, {}, `autoscaled ${current} → ${decision.replicas} (${decision.reason})`)
        .catch((e: unknown) => this.sup.record({ time: new Date().toISOString(), project: name, service: planned.name, action: "warning", detail: `autoscale: ${e instanceof Error ? e.message : String(e)}` }))
        .finally(() => this.scaling.delete(key));
    }
  }
}
