import { setTimeout as sleep } from "node:timers/promises";
import { InvalidArgumentError } from "../../oci/index.js";
import { readContainerLogs, type ContainerRuntime } from "../../runtime/index.js";
import { observeStack, type ObservedReplica } from "./observe-stack.js";
import { PrefixedLines } from "./prefixed-lines.js";

/** Options of {@link stackLogs}. */
export interface StackLogsOptions {
  /** Only these services (default all of the stack's). */
  readonly services?: readonly string[];
  /** Keep following, and pick up replicas made meanwhile, until `signal` aborts. */
  readonly follow?: boolean;
  /** Only the last N lines of each replica. */
  readonly tail?: number;
  /** Ends a follow (required for one: a follow has no other end). */
  readonly signal?: AbortSignal;
  /** How often a follow looks for new replicas (default 1000 ms). */
  readonly discoverMs?: number;
}

/** `web-1`, padded so that the `|` of every prefix lines up. */
const prefixFor = (r: ObservedReplica, width: number): string => `${`${r.service}-${r.number}`.padEnd(width)} | `;

/**
 * The logs of a stack's replicas, each line prefixed `service-n | `, stdout
 * lines to `out.stdout` and stderr lines to `out.stderr`, as `docker compose
 * logs` prints them. Without `follow`, each replica's log is written whole,
 * one replica after another (service, then number). With `follow`, every
 * replica's log is followed at once, replicas made later (a replacement,
 * a scale-up) are picked up within `discoverMs`, and it all ends when
 * `signal` aborts.
 */
export async function stackLogs(runtime: ContainerRuntime, project: string, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, opts: StackLogsOptions = {}): Promise<void> {
  if (opts.follow && opts.signal === undefined) throw new InvalidArgumentError("stackLogs: follow needs a signal to end it");
  const wanted = (r: ObservedReplica): boolean => opts.services === undefined || opts.services.includes(r.service);
  const first = (await observeStack(runtime, project)).filter(wanted);
  const width = Math.max(0, ...first.map((r) => `${r.service}-${r.number}`.length));
  const readOne = (r: ObservedReplica, follow: boolean): Promise<void> => {
    const writables = { stdout: new PrefixedLines(prefixFor(r, width), out.stdout), stderr: new PrefixedLines(prefixFor(r, width), out.stderr) };
    const stop = follow ? runtime.wait(r.summary.record, { ...(opts.signal && { signal: opts.signal }) }).then(() => undefined, () => undefined) : undefined;
    return readContainerLogs(runtime.ctx.logPath(r.summary.record.id), {
      ...(opts.tail !== undefined && { tail: opts.tail }),
      ...(follow && { follow: true }),
      ...(stop !== undefined && { stop }),
      ...(opts.signal && { signal: opts.signal }),
    }, writables).catch(() => undefined);
  };
  if (!opts.follow) {
    for (const r of first) await readOne(r, false);
    return;
  }
  const following = new Map<string, Promise<void>>();
  const signal = opts.signal!;
  let current = first;
  while (!signal.aborted) {
    for (const r of current) {
      if (!following.has(r.summary.record.id)) following.set(r.summary.record.id, readOne(r, true));
    }
    await sleep(opts.discoverMs ?? 1000, undefined, { signal }).catch(() => undefined);
    if (!signal.aborted) current = (await observeStack(runtime, project)).filter(wanted);
  }
  await Promise.all(following.values());
}
