/** The desired state of one stack as the last `up`, `scale` or autoscaler left it. */
export interface StoredStack {
  readonly project: string;
  /** The compose files `up` read, absolute, in order. */
  readonly files: readonly string[];
  readonly workingDir: string;
  /** The variables the compose files were interpolated with, as the CLI gave them. */
  readonly env: Readonly<Record<string, string>>;
  readonly profiles: readonly string[];
  /**
   * The services `up SERVICE…` named, enabled whatever their profiles
   * (compose's `enable`): the files are read again with them, or a profiled
   * service `up` started would be unknown to the next daemon. Absent: none.
   */
  readonly enable?: readonly string[];
  /** `--scale SVC=N` as given to `up`. */
  readonly scale: Readonly<Record<string, number>>;
  /** Stopped on purpose: the reconcile loop starts nothing. */
  readonly stopped: boolean;
  /** ISO 8601. */
  readonly updated: string;
  /** Desired replica counts per service, after scale and autoscale changes. */
  readonly services: Readonly<Record<string, { readonly replicas: number }>>;
}
