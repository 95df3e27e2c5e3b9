import type { ComposeService } from "./compose-service.js";

/**
 * The normalised model of a compose project: what {@link loadComposeProject}
 * returns after reading, interpolating, merging and checking the files. Short
 * and long syntaxes are folded into one form, durations are milliseconds,
 * memory is bytes, relative paths are absolute, `env_file`s are read into
 * `environment`. Names of fields follow berth's camelCase; each says which
 * compose field it comes from where the name differs.
 */
export interface ComposeProject {
  /** The project name: `projectName` option, COMPOSE_PROJECT_NAME, `name:`, or the project directory's name. */
  readonly name: string;
  /** Absolute project directory (the first file's directory unless `workingDir` is given). Relative paths are resolved against it. */
  readonly workingDir: string;
  /** Absolute paths of the files, in merge order. */
  readonly files: readonly string[];
  /** Services enabled by the active profiles, by name. */
  readonly services: Readonly<Record<string, ComposeService>>;
  /** Services present in the files but left out because none of their profiles is active. */
  readonly disabledServices: readonly string[];
  /** The active profiles. */
  readonly profiles: readonly string[];
  readonly networks: Readonly<Record<string, ComposeNetwork>>;
  readonly volumes: Readonly<Record<string, ComposeVolume>>;
  readonly secrets: Readonly<Record<string, ComposeFileResource>>;
  readonly configs: Readonly<Record<string, ComposeFileResource>>;
  /** Top-level `x-*` fields, as written. */
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** A top-level network. */
export interface ComposeNetwork {
  /** The name on the host: `name:`, else `<project>_<key>` (the key itself when external). */
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly enableIpv6?: boolean;
  readonly ipam?: { readonly driver?: string; readonly config: readonly { readonly subnet?: string; readonly ipRange?: string; readonly gateway?: string }[] };
  readonly labels: Readonly<Record<string, string>>;
}

/** A top-level volume. */
export interface ComposeVolume {
  /** `name:`, else `<project>_<key>` (the key itself when external). */
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/** A top-level secret or config: from a file, an environment variable, inline content, or external. */
export interface ComposeFileResource {
  readonly name: string;
  readonly external: boolean;
  /** Absolute path. */
  readonly file?: string;
  /** Name of the environment variable holding the value. */
  readonly environment?: string;
  /** That variable's value in the environment the files were loaded with (the caller's, then `.env`), when set there. */
  readonly environmentValue?: string;
  /**
   * Set by loadComposeProject: `environmentValue` was looked up in the
   * environment the files were loaded with, so its absence means the
   * variable is unset for the caller — no other environment (the daemon's)
   * may supply it. Absent for a project made by hand.
   */
  readonly environmentLoaded?: true;
  /** Inline content (configs only). */
  readonly content?: string;
  readonly labels: Readonly<Record<string, string>>;
}
