/**
 * One measurement of one replica: what {@link UsageSampler} makes, the state
 * store keeps, and the recommender and the autoscaler read. Shared by the
 * daemon's pieces; JSON-serialisable as is.
 */
export interface UsageSample {
  readonly project: string;
  readonly service: string;
  /** The container's name (`<project>-<service>-<n>`), else its id. */
  readonly container: string;
  /** When the reading was taken, ms since the epoch. */
  readonly time: number;
  /** CPU cores used on average since the previous sample of the same container (1.0 = one core busy). */
  readonly cpu: number;
  /** Working set: memory usage minus inactive file pages, as cAdvisor and the VPA read it. */
  readonly memoryBytes: number;
}

/** Whether `s` holds numbers a sample can have: finite, not negative. Samples from a store or the wire are checked before use. */
export const isValidSample = (s: UsageSample): boolean =>
  Number.isFinite(s.time) && Number.isFinite(s.cpu) && s.cpu >= 0 && Number.isFinite(s.memoryBytes) && s.memoryBytes >= 0;
