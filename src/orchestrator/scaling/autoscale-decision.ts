import { MAX_REPLICAS } from "../stack/plan-stack.js";
import { checkNumber } from "./errors.js";
import { isValidSample, type UsageSample } from "./usage-sample.js";

/** The HPA's default tolerance: no change while average use is within 10 % of the target. */
export const DEFAULT_TOLERANCE = 0.1;
// The HPA's scale-up limit per step: to twice the replicas, or to 4 when that is more.
const SCALE_UP_FACTOR = 2;
const SCALE_UP_MINIMUM = 4;
const MAX_HISTORY = 1000;

/** One replica of the service as the autoscaler sees it. */
export interface AutoscaleReplica {
  readonly container: string;
  /** Running and, with a health check, healthy: a replica still starting is not ready. */
  readonly ready: boolean;
  /** Its usage samples of the last window (e.g. 30 s); samples of other containers are ignored. */
  readonly samples: readonly UsageSample[];
}

/** A raw recommendation (before cooldown and stabilisation), kept by the caller for the stabilisation window. */
export interface ReplicaRecommendation {
  readonly time: number;
  readonly replicas: number;
}

/** What {@link decideReplicas} decides from. */
export interface AutoscaleInput {
  /** Replicas desired now. */
  readonly current: number;
  readonly min: number;
  readonly max: number;
  /** Target CPU per replica, percent of `cpuLimitCores` (70 = 70 %). */
  readonly targetCpuPercent: number;
  /** A replica's CPU limit in cores; absent: 1 core is 100 %. */
  readonly cpuLimitCores?: number;
  /** The replicas that exist now (current ones; fewer than `current` while some are being replaced). */
  readonly replicas: readonly AutoscaleReplica[];
  /** When the replica count last changed (ms since the epoch); undefined: never. */
  readonly lastChange: number | undefined;
  /** No scale-down sooner than this after a change; also the stabilisation window. */
  readonly cooldownMs: number;
  readonly now: number;
  /** Earlier raw recommendations (from `recommendation` of earlier decisions); see {@link keepRecommendations}. */
  readonly history?: readonly ReplicaRecommendation[];
  /** Default {@link DEFAULT_TOLERANCE}. */
  readonly tolerance?: number;
}

/** The decision: the replica count to apply (unchanged when nothing is to be done) and why, in one line. */
export interface AutoscaleDecision {
  readonly replicas: number;
  readonly reason: string;
  /** This step's raw recommendation: append it to the history (keepRecommendations). */
  readonly recommendation: ReplicaRecommendation;
  /** Average CPU of the ready replicas with samples, in percent of the limit; undefined without any. */
  readonly utilisationPercent?: number;
}

/**
 * The Kubernetes HPA's algorithm for one service, pure. Average CPU of the
 * ready replicas with samples against the target gives the ratio; desired =
 * ceil(ratio × replicas counted). Within the tolerance nothing changes.
 * Conservatively, as the HPA: a replica without samples counts as at the
 * target when scaling down and as idle when scaling up; a replica not ready
 * counts as idle when scaling up; and so does a missing one (`current` above
 * the replicas given). Where the HPA sets not-ready replicas aside when
 * scaling down, berth counts them at the target: a service mid-rollout is
 * not shrunk. A direction flipped by these rules means no change.
 *
 * Scale-up happens at once, per step to at most max(2 × current, 4). Scale-down waits
 * until `cooldownMs` has passed since `lastChange`, and then goes only to
 * the highest recommendation of the last `cooldownMs` (stabilisation), so
 * load that flaps does not flap replicas. The result is clamped to
 * [min, max] (and a count outside it is brought back at once); 0 replicas
 * means autoscaling is off, as the HPA does. Throws ScalingInputError for
 * min > max, a target not above 0 or other numbers that cannot be.
 */
export function decideReplicas(input: AutoscaleInput): AutoscaleDecision {
  validate(input);
  const { current, min, max, now } = input;
  const raw = rawRecommendation(input);
  const recommendation = { time: now, replicas: raw.replicas };
  const decide = (replicas: number, reason: string): AutoscaleDecision => ({
    replicas, reason, recommendation, ...(raw.utilisation !== undefined && { utilisationPercent: raw.utilisation }),
  });
  if (current === 0) return decide(0, "0 replicas: autoscaling is off until the service is scaled up");
  if (current > max) return decide(max, `${current} replicas is above max ${max}`);
  if (current < min) return decide(min, `${current} replicas is below min ${min}`);
  if (raw.replicas > current) {
    const limit = Math.max(SCALE_UP_FACTOR * current, SCALE_UP_MINIMUM);
    const to = Math.min(raw.replicas, limit, max);
    if (to === current) return decide(current, `${raw.why}; already at max ${max}`);
    return decide(to, `${raw.why}: scale up ${current} → ${to}${to < raw.replicas ? ` (of ${raw.replicas}, limited to ${to < max ? `${limit} per step` : `max ${max}`})` : ""}`);
  }
  if (raw.replicas === current) return decide(current, raw.why);
  if (input.lastChange !== undefined && now - input.lastChange < input.cooldownMs) {
    return decide(current, `${raw.why}; cooldown: no scale-down for ${Math.ceil((input.cooldownMs - (now - input.lastChange)) / 1000)} s more`);
  }
  const recent = (input.history ?? []).filter((r) => r.time > now - input.cooldownMs && r.time <= now && Number.isFinite(r.replicas));
  const stable = Math.max(raw.replicas, min, ...recent.map((r) => r.replicas));
  if (stable >= current) return decide(current, `${raw.why}; held at ${current}: the last ${Math.round(input.cooldownMs / 1000)} s recommended up to ${stable}`);
  return decide(stable, `${raw.why}: scale down ${current} → ${stable}`);
}

/** `history` plus `rec`, without what is older than the stabilisation window (and at most 1000): what to pass as `history` next time. */
export function keepRecommendations(history: readonly ReplicaRecommendation[], rec: ReplicaRecommendation, cooldownMs: number): ReplicaRecommendation[] {
  return [...history, rec].filter((r) => r.time > rec.time - cooldownMs).slice(-MAX_HISTORY);
}

interface Raw {
  readonly replicas: number;
  readonly why: string;
  readonly utilisation?: number;
}

function rawRecommendation(input: AutoscaleInput): Raw {
  const target = input.targetCpuPercent;
  const limit = input.cpuLimitCores ?? 1;
  const measured: number[] = [];
  let unready = 0;
  let missing = Math.max(0, input.current - input.replicas.length);
  for (const r of input.replicas) {
    const samples = r.samples.filter((s) => isValidSample(s) && s.container === r.container);
    if (!r.ready) unready++;
    else if (samples.length === 0) missing++;
    else measured.push((samples.reduce((sum, s) => sum + s.cpu, 0) / samples.length / limit) * 100);
  }
  if (measured.length === 0) return { replicas: input.current, why: "no CPU samples from ready replicas yet" };
  const utilisation = measured.reduce((a, b) => a + b, 0) / measured.length;
  const ratio = utilisation / target;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  const what = `CPU ${utilisation.toFixed(0)}% of ${limit === 1 && input.cpuLimitCores === undefined ? "a core" : "the limit"} (target ${target}%) over ${measured.length} replica(s)`;
  if (missing + unready === 0) {
    if (Math.abs(ratio - 1) <= tolerance) return { replicas: input.current, why: `${what}: within ${tolerance * 100}%`, utilisation };
    return { replicas: Math.ceil(ratio * measured.length), why: what, utilisation };
  }
  // Replicas without a measurement count against the move: idle when scaling up, at the target when scaling down.
  const assumed = ratio > 1 ? 0 : target;
  const all = [...measured, ...Array<number>(missing + unready).fill(assumed)];
  const newRatio = all.reduce((a, b) => a + b, 0) / all.length / target;
  const counted = `${what}, ${missing + unready} more counted at ${assumed}%`;
  if (Math.abs(newRatio - 1) <= tolerance || (ratio > 1) !== (newRatio > 1)) return { replicas: input.current, why: `${counted}: no change`, utilisation };
  return { replicas: Math.ceil(newRatio * all.length), why: counted, utilisation };
}

function validate(i: AutoscaleInput): void {
  checkNumber("autoscale current replicas", i.current, 0, MAX_REPLICAS, true);
  checkNumber("autoscale min", i.min, 0, MAX_REPLICAS, true);
  checkNumber("autoscale max", i.max, Math.max(1, i.min), MAX_REPLICAS, true);
  checkNumber("autoscale cpu target (%)", i.targetCpuPercent, 0.01, 1000);
  if (i.cpuLimitCores !== undefined) checkNumber("cpu limit (cores)", i.cpuLimitCores, 0.001, 1e6);
  checkNumber("autoscale cooldown (ms)", i.cooldownMs, 0, Number.MAX_SAFE_INTEGER);
  checkNumber("now", i.now, 0, Number.MAX_SAFE_INTEGER);
  if (i.tolerance !== undefined) checkNumber("autoscale tolerance", i.tolerance, 0, 1);
}
