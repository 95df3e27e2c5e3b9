import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../content/index.js";
import type { ContainerConfig } from "../oci/index.js";
import type { ContainerNetworkConfig } from "./container-networks.js";
import type { ContainerOptions } from "./container-options.js";
import type { ProcessIdentity } from "./process-identity.js";

/** docker's restart policies. */
export interface RestartPolicy {
  readonly name: "no" | "on-failure" | "always" | "unless-stopped";
  /** on-failure only: give up after this many restarts; 0 = no limit. */
  readonly maximumRetryCount: number;
}

/** docker's HEALTHCHECK, durations in milliseconds. */
export interface HealthConfig {
  /** `["CMD", …]` or `["CMD-SHELL", "…"]`; `["NONE"]` disables the image's. */
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly startPeriodMs: number;
  /** Between checks during the start period until the first success (docker ≥ 25's start_interval); default intervalMs. */
  readonly startIntervalMs?: number;
  readonly retries: number;
  /** podman's --health-on-failure. */
  readonly onFailure: "none" | "kill" | "restart" | "stop";
}

/**
 * `<root>/containers/<id>/container.json`: what a container is, fixed when
 * it is created (its changing state is in state.json). Written before
 * anything is mounted, so a crash at any later instant leaves enough to
 * clean up.
 */
export interface ContainerRecord {
  readonly id: string;
  readonly name?: string;
  /** What the user asked for (`berth run IMAGE`) and the name the store knows it by. */
  readonly image: string;
  /** The image config's digest (docker's image Id). */
  readonly imageId: string;
  /** The image's execution defaults, as they were at create. */
  readonly imageConfig: ContainerConfig;
  /** The image's snapshot dirs, top first: the rootfs's lower layers. */
  readonly lowerDirs: readonly string[];
  /** ISO 8601. */
  readonly created: string;
  /** The container's options, as parsed from the flags (JSON-safe). */
  readonly options: ContainerOptions;
  readonly labels?: Readonly<Record<string, string>>;
  readonly restartPolicy?: RestartPolicy;
  readonly health?: HealthConfig;
  /** `--rm`: removed when it ends (unless a restart policy starts it again). */
  readonly autoRemove?: boolean;
  /** `-t`: a terminal for the process. */
  readonly tty?: boolean;
  /** The image's StopSignal, docker's default SIGTERM. */
  readonly stopSignal?: string;
  /**
   * The OCI runtime program this container was made with (`--runtime`), an
   * absolute path; absent for the root's default (runc). Every later step
   * (start, kill, exec, delete) uses the same one: runtimes keep their own state.
   */
  readonly runtime?: string;
  /**
   * The networks it joins at start, once `network connect` or `disconnect`
   * changed them (the one record field that changes after create, with the
   * name); absent, `options.network` says. See containerNetworks.
   */
  readonly networks?: readonly ContainerNetworkConfig[];
  /** Named and anonymous volumes this container holds (released by rm). */
  readonly volumes?: readonly string[];
  /**
   * Those of `volumes` its create made (present whenever `volumes` is; older
   * records lack it). The others were handed in by name — a replaced stack
   * replica's anonymous volumes — and a create or start that fails leaves them.
   */
  readonly createdVolumes?: readonly string[];
  /**
   * Set for a container run attached without a monitor (`run -i`/`-t` in
   * the foreground): the berth process that holds it. Absent for
   * conmon-monitored containers.
   */
  readonly owner?: ProcessIdentity;
}

const FILE = "container.json";

/**
 * Write the record atomically; durably (synced) unless the container goes
 * away when it ends (`--rm`): after a crash such a container has no business
 * coming back, and a record that did not reach the disk makes it garbage
 * that listings clear, as its removal would have. The sync was 1.5 to 2 ms
 * of every `run --rm` here.
 */
export async function writeContainerRecord(dir: string, record: ContainerRecord): Promise<void> {
  await writeFileAtomic(join(dir, FILE), JSON.stringify(record), { durable: record.autoRemove !== true });
}

/** The record in `dir`, or undefined when missing or not a record (a crash before it was written). */
export async function readContainerRecord(dir: string): Promise<ContainerRecord | undefined> {
  const text = await readFile(join(dir, FILE), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<ContainerRecord>;
    const ok = typeof r.id === "string" && typeof r.image === "string" && typeof r.created === "string" && typeof r.options === "object" && r.options !== null && Array.isArray(r.lowerDirs);
    return ok ? (r as ContainerRecord) : undefined;
  } catch {
    return undefined;
  }
}
