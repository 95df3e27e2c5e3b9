import type { ContainerState, HealthStatus } from "../../runtime/index.js";
import type { ObservedReplica } from "./observe-stack.js";

// Helpers shared by the stack's unit tests; not part of the layer's API.

/** A replica as observeStack would return it, made from the few fields a test cares about. */
export function observed(o: {
  service?: string; number?: number; status?: ContainerState["status"]; exitCode?: number; started?: boolean; stoppedByUser?: boolean;
  health?: HealthStatus["status"]; healthOutput?: string; hasCheck?: boolean; labels?: Record<string, string>; configHash?: string;
}): ObservedReplica {
  const service = o.service ?? "db";
  const number = o.number ?? 1;
  const status = o.status ?? "running";
  const hasCheck = o.hasCheck ?? o.health !== undefined;
  const state: ContainerState = {
    status, restartCount: 0,
    ...((o.started ?? status !== "created") && { startedAt: "2024-01-01T00:00:00Z" }),
    ...(status === "exited" && { finishedAt: "2024-01-01T00:00:01Z", exitCode: o.exitCode ?? 0 }),
    ...(o.stoppedByUser && { stoppedByUser: true }),
  };
  const health: HealthStatus | undefined = o.health === undefined ? undefined
    : { status: o.health, failingStreak: 0, runId: "r", log: o.healthOutput === undefined ? [] : [{ Start: "", End: "", ExitCode: 1, Output: o.healthOutput }] };
  return {
    project: "p", service, number, configHash: o.configHash ?? "h",
    summary: {
      record: {
        id: `${service}${number}`.padEnd(64, "0"), name: `p-${service}-${number}`, image: "busybox", imageId: "sha256:x", imageConfig: {}, lowerDirs: [],
        created: "2024-01-01T00:00:00Z", options: {}, ...(o.labels && { labels: o.labels }),
        ...(hasCheck && { health: { test: ["CMD", "true"], intervalMs: 1000, timeoutMs: 1000, startPeriodMs: 0, retries: 1, onFailure: "none" as const } }),
      },
      state, command: [], ports: [], ...(health !== undefined && { health }),
    },
  };
}
