/**
 * What a client asks the supervisor to bring up: the compose project as the
 * CLI found it (absolute files, project directory and name), the variables
 * it was interpolated with, and `up`'s options. Kept whole in the state
 * store, so a restarted daemon reads the same files the same way.
 */
export interface StackUpRequest {
  readonly files: readonly string[];
  readonly workingDir: string;
  readonly projectName: string;
  readonly profiles: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly services?: readonly string[];
  readonly noDeps?: boolean;
  readonly build?: boolean;
  /** `--force-recreate`: recreate the selected services' replicas even when nothing changed. */
  readonly forceRecreate?: boolean;
  readonly scale?: Readonly<Record<string, number>>;
  readonly removeOrphans?: boolean;
  readonly timeoutS?: number;
}

/** `down`'s options. */
export interface StackDownRequest {
  readonly volumes?: boolean;
  readonly removeOrphans?: boolean;
  readonly timeoutS?: number;
}
