/**
 * The labels that tie a container, network or volume to a stack. They are
 * docker compose v2's own names, so `docker compose`-minded tools read
 * berth's containers the same way, and they are the only record of which
 * container belongs to which replica: every lookup (`down` from any
 * directory, `reconcileOnce` after a crash) starts from them.
 */
export const LABEL_PROJECT = "com.docker.compose.project";
export const LABEL_SERVICE = "com.docker.compose.service";
export const LABEL_NUMBER = "com.docker.compose.container-number";
export const LABEL_CONFIG_HASH = "com.docker.compose.config-hash";
export const LABEL_NETWORK = "com.docker.compose.network";
export const LABEL_VOLUME = "com.docker.compose.volume";
/** Marks a container started for `berth up` with only some services named (compose's `oneoff` is False for all of them). */
export const LABEL_ONEOFF = "com.docker.compose.oneoff";

/** What a replica's labels say about it. */
export interface ReplicaIdentity {
  readonly project: string;
  readonly service: string;
  /** 1-based replica number. */
  readonly number: number;
  readonly configHash: string;
}

/** The labels every replica of a stack carries, before the service's own labels. */
export function replicaLabels(id: ReplicaIdentity): Record<string, string> {
  return {
    [LABEL_PROJECT]: id.project,
    [LABEL_SERVICE]: id.service,
    [LABEL_NUMBER]: String(id.number),
    [LABEL_CONFIG_HASH]: id.configHash,
    [LABEL_ONEOFF]: "False",
  };
}

/**
 * The replica a container's labels describe, or undefined when it is not a
 * replica of a stack (no project or service label, or a number that is not a
 * positive integer: a hand-labelled container is never mistaken for one).
 */
export function readReplicaIdentity(labels: Readonly<Record<string, string>> | undefined): ReplicaIdentity | undefined {
  const project = labels?.[LABEL_PROJECT];
  const service = labels?.[LABEL_SERVICE];
  const number = Number(labels?.[LABEL_NUMBER]);
  if (project === undefined || project === "" || service === undefined || service === "") return undefined;
  if (!Number.isSafeInteger(number) || number < 1) return undefined;
  return { project, service, number, configHash: labels?.[LABEL_CONFIG_HASH] ?? "" };
}

/** Labels of a network or volume the stack made, so `down` finds it by project. */
export const resourceLabels = (project: string, kind: "network" | "volume", key: string): Record<string, string> => ({
  [LABEL_PROJECT]: project,
  [kind === "network" ? LABEL_NETWORK : LABEL_VOLUME]: key,
});
