import { BerthError } from "../../oci/index.js";
import type { RolloutState } from "./service-revision.js";

/** A revision number the log does not hold for the service. */
export class RevisionNotFoundError extends BerthError {
  constructor(readonly project: string, readonly service: string, readonly revision: number) {
    super("NOT_FOUND", `service ${service} of ${project}: no revision ${revision}`, { hint: `berth rollout history ${service} lists the revisions kept` });
  }
}
/** `rollout undo` of a service that has no earlier revision to return to. */
export class NothingToUndoError extends BerthError {
  constructor(readonly project: string, readonly service: string) {
    super("FAILED_PRECONDITION", `service ${service} of ${project}: no previous revision to return to`, {
      hint: `a service has a previous revision once it was updated; see berth rollout history ${service}`,
    });
  }
}

/**
 * A rolling update that did not complete: the new revision failed its
 * health gate and was rolled back, paused, or could not be rolled back.
 * `state` says which; the replicas are as the message says.
 */
export class RolloutFailedError extends BerthError {
  constructor(readonly project: string, readonly service: string, readonly state: RolloutState, readonly detail: string) {
    super("FAILED_PRECONDITION", `service ${service}: rolling update ${state === "rolled-back" ? "failed and was rolled back" : state}: ${detail}`, {
      hint: `see berth service logs ${service} and berth service ps ${service}; fix the service and run up again`
        + (state === "paused" ? ", or roll back with berth rollout undo" : ""),
    });
  }
}
