import type { ContainerConfig, Descriptor, Digest, HistoryEntry, Platform } from "../../oci/index.js";

/** The shell of shell-form RUN, CMD and ENTRYPOINT when neither the image nor SHELL sets one. */
export const DEFAULT_SHELL: readonly string[] = ["/bin/sh", "-c"];

/** The config fields a Dockerfile sets, mutable while a stage builds. */
export type MutableConfig = { -readonly [K in keyof ContainerConfig]: ContainerConfig[K] };

/**
 * Everything a stage has made so far. A stage starts from its base's state
 * (an image's config and layers, an earlier stage's result, or scratch) and
 * each instruction changes it; what is left at the end is the stage's image.
 */
export interface StageState {
  readonly platform: Platform;
  config: MutableConfig;
  /** Layers from the base image first. */
  readonly layers: Descriptor[];
  readonly diffIds: Digest[];
  readonly history: HistoryEntry[];
  /** ChainID of the top layer; undefined while the stage has no layers. */
  chainId: Digest | undefined;
  /**
   * When the stage's files last changed: the base image's time, then each
   * step's build time (kept in its cache record), so a fully cached rebuild
   * writes the same config, with the same digest.
   */
  created: string;
  /** Rolling cache key (see StepCache). */
  cacheKey: string;
  /** ARGs declared in this stage, with their values (undefined: declared, no value). */
  readonly args: Map<string, string | undefined>;
  /** ENTRYPOINT resets the base's CMD unless this stage set CMD itself. */
  cmdSet: boolean;
  author?: string;
}

/** The stage's environment as a map (later entries win, as in a process environment). */
export function envMap(config: MutableConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of config.Env ?? []) {
    const i = kv.indexOf("=");
    out.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? "" : kv.slice(i + 1));
  }
  return out;
}

/** Set `name` in the config's Env, in place when present (docker keeps the order). */
export function setEnv(config: MutableConfig, name: string, value: string): void {
  const env = [...(config.Env ?? [])];
  const i = env.findIndex((kv) => kv === name || kv.startsWith(`${name}=`));
  if (i >= 0) env[i] = `${name}=${value}`;
  else env.push(`${name}=${value}`);
  config.Env = env;
}

/**
 * The variables `$NAME` expands to in an instruction: the stage's ARGs,
 * then its ENV (an ENV wins over an ARG of the same name, as docker's).
 */
export function expansionVars(state: StageState): Map<string, string> {
  const vars = new Map<string, string>();
  for (const [k, v] of state.args) if (v !== undefined) vars.set(k, v);
  for (const [k, v] of envMap(state.config)) vars.set(k, v);
  return vars;
}
