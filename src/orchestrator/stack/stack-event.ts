/**
 * What a stack operation did or waited for. Every change `up`, `down` and
 * `reconcileOnce` make is one event, in the order made; the daemon will
 * persist them (`berth events`), the CLI prints them as compose prints its
 * progress lines.
 */
export type StackAction =
  | "network-create" | "network-remove"
  | "volume-create" | "volume-remove"
  | "image-pull" | "image-build"
  | "create" | "start" | "stop" | "remove"
  /** A replica whose config hash or image changed: removed, then created again. */
  | "recreate"
  /** A replica that was gone, exited or unhealthy: a new container in its place. */
  | "replace"
  /** A rolling update of a service: begun, paused, finished, or a leftover of an interrupted one repaired. */
  | "update"
  /** A rollback: of a service (begun, done, failed) and of each replica it remakes. */
  | "rollback"
  /** A service's desired replica count changed (`service scale`, or the autoscaler: the detail says why). */
  | "scale"
  /** Waiting for a `depends_on` condition (detail names it), and when it is met. */
  | "wait" | "ready"
  /** `reconcileOnce` left a replica alone because a dependency's condition is not met now. */
  | "blocked"
  /** Something the user should know that changed nothing (orphans left, a setting not applied). */
  | "warning";

/** One event. */
export interface StackEvent {
  /** ISO 8601. */
  readonly time: string;
  readonly project: string;
  /** Empty for project-wide events (networks, volumes). */
  readonly service: string;
  /** The container's name, for events about one replica. */
  readonly container?: string;
  readonly action: StackAction;
  /** Human-readable: what, and why. */
  readonly detail: string;
}

/** Receives events as they happen; it must not throw (what it throws is ignored). */
export type StackEventSink = (event: StackEvent) => void;

/** A sink bound to one project: `emit(service, action, detail, container?)`. */
export type Emit = (service: string, action: StackAction, detail: string, container?: string) => void;

/** Bind `sink` (maybe absent) to `project`; a throwing sink never breaks the operation. */
export function emitterFor(project: string, sink: StackEventSink | undefined): Emit {
  return (service, action, detail, container) => {
    if (sink === undefined) return;
    try {
      sink({ time: new Date().toISOString(), project, service, ...(container !== undefined && { container }), action, detail });
    } catch {
      // An event consumer's failure is its own; the stack operation goes on.
    }
  };
}
