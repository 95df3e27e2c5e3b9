import { constants, open as openCb, readFileSync, readlinkSync } from "node:fs";
import { lstat, unlink } from "node:fs/promises";
import { Socket } from "node:net";
import { promisify } from "node:util";
import { identityOfSync, isRunning, makeFifos, trace, type ContainerRecord, type ContainerRuntime, type CreateContainerOptions, type ProcessIdentity, type StartOptions } from "../runtime/index.js";
import { parseRunRequest, type RunRequest } from "./api-requests.js";

const openFd = promisify(openCb);

/** A `berth run` its launcher announced on the run FIFO: the process, and what it was given. */
export interface Announcement {
  readonly caller: ProcessIdentity;
  /** berth's own arguments (after the launcher's path). */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** What an announced command line will ask of a daemon, read as its CLI reads it. */
export interface AnnouncedRun {
  /** The root the command line names, absolute. */
  readonly root: string;
  readonly detach: boolean;
  readonly image: string;
  readonly options: CreateContainerOptions;
}

/**
 * Reads an announcement as the CLI will read its command line (the cli
 * layer's reading, handed to the daemon); undefined for a command line the
 * CLI will not hand to a daemon, or one it cannot read.
 */
export type AnnouncementReader = (a: Announcement) => Promise<AnnouncedRun | undefined>;

/** What a claim found: the container made ahead and now started, the start's own failure, or nothing to use. */
export type ClaimedRun = { readonly record: ContainerRecord } | { readonly failed: unknown } | undefined;

/** The part of the runtime an announced run needs. */
export type AnnouncedRunRuntime = Pick<ContainerRuntime, "run"> & { readonly ctx: { readonly root: string } };

/** An announcement waits this long at most for its CLI's request (default). */
const CLAIM_WITHIN_MS = 10_000;

/** Options of {@link RunAnnouncements.listen}. */
export interface RunAnnouncementsOptions {
  /** Where failures to read an announcement are told. */
  readonly log?: (line: string) => void;
  /** How long a container made ahead waits for its CLI's request before it is undone (default 10 s). */
  readonly claimWithinMs?: number;
}
/** How often the processes of unclaimed announcements are looked at. */
const WATCH_MS = 50;
/** A claim that found nothing keeps a later reading of its announcement from making a container this long. */
const LATE_MS = 60_000;
/** `PID ARGC`: a line of the FIFO. */
const LINE = /^([1-9][0-9]{0,9}) ([0-9]{1,5})$/;

/** The gate of a run no request came for: its start is undone. */
class UnclaimedRunError extends Error {}

interface Pending {
  /** The request the announcement stands for, canonical (see canonicalRequest). */
  readonly request: string;
  readonly caller: ProcessIdentity;
  readonly since: number;
  /** Let the container's process go (true) or undo the start (false). */
  readonly decide: (go: boolean) => void;
  readonly outcome: Promise<{ readonly record: ContainerRecord } | { readonly failed: unknown; readonly passedGate: boolean }>;
}

/**
 * `berth run` made while its CLI starts. Node takes ~15 ms to start before
 * berth's CLI can ask the daemon anything, and runc ~25 ms to make a
 * container: done one after the other they are most of a short `run`. So
 * bin/berth.cjs, a shell script until it execs Node, writes `PID ARGC` to
 * `<root>/daemon/run.fifo` when its command is `run`; the daemon reads that
 * process's command line, environment and directory from /proc, reads them
 * as the CLI will (the reader), and makes and creates the container at
 * once, its process held before it runs (StartOptions.gate). When the CLI's
 * request comes (run-socket.ts, with the CLI's identity as `caller`), it is
 * compared with what was made: the same request lets the process go; any
 * difference undoes the start, and the request runs as it would have. A
 * CLI that dies, or does not ask within 10 s, gets its start undone. Nothing
 * the container's command does happens before its CLI asked for it; what
 * shows meanwhile is a `created` container (its name taken, its ports bound).
 *
 * The FIFO is in the daemon's directory (0700) and mode 0600: only root
 * announces, and root could run the container itself.
 */
export class RunAnnouncements {
  private readonly pending = new Map<string, Pending>();
  /** Announcements being read, by pid. */
  private readonly hearing = new Map<number, Promise<void>>();
  /** Starts being undone (no claim came in time), until they are: a late claim waits for its own (the name it holds). */
  private readonly undoing = new Map<string, Promise<unknown>>();
  /** Callers whose claim came before their announcement was read (when): nothing is made for them. */
  private readonly late = new Map<string, number>();
  private watch: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly fifo: Socket,
    private readonly runtime: AnnouncedRunRuntime,
    private readonly reader: AnnouncementReader,
    private readonly log: (line: string) => void,
    private readonly claimWithinMs: number,
  ) {}

  /** Make the FIFO at `path` (one already there is kept) and read announcements from it. */
  static async listen(path: string, runtime: AnnouncedRunRuntime, reader: AnnouncementReader, opts: RunAnnouncementsOptions = {}): Promise<RunAnnouncements> {
    const log = opts.log ?? (() => undefined);
    const st = await lstat(path).catch(() => undefined);
    if (st !== undefined && !st.isFIFO()) await unlink(path);
    if (st === undefined || !st.isFIFO()) await makeFifos([path]);
    // Read and write: the FIFO never reads as ended while launchers come and go, and opening it does not wait for one.
    const fd = await openFd(path, constants.O_RDWR | constants.O_NONBLOCK);
    const fifo = new Socket({ fd, readable: true, writable: false });
    const announcements = new RunAnnouncements(path, fifo, runtime, reader, log, opts.claimWithinMs ?? CLAIM_WITHIN_MS);
    let buffered = "";
    fifo.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      // A line longer than any announcement is not one: what was read of it goes.
      if (buffered.length > 32) buffered = "";
      for (const line of lines) announcements.heard(line);
    });
    fifo.on("error", (e) => log(`run announcements: ${e.message}`));
    return announcements;
  }

  /**
   * The container made ahead for `caller`'s request, now let go, when it was
   * made for this very request; its start's failure when the start failed
   * after that; undefined when there is none, it was made for another
   * request (then undone by now), or it failed before it was claimed (the
   * request then runs as usual and meets the failure itself).
   */
  async claim(caller: ProcessIdentity, detach: boolean, request: RunRequest): Promise<ClaimedRun> {
    const key = keyOf(caller);
    let pending = this.pending.get(key);
    if (pending === undefined) {
      // The FIFO's line may be ready in this same turn of the event loop, after the request, or still being read.
      await new Promise((resolve) => setImmediate(resolve));
      await this.hearing.get(caller.pid);
      pending = this.pending.get(key);
    }
    if (pending === undefined) {
      // A start undone for want of a claim: gone before the request runs, with the name it held.
      await this.undoing.get(key);
      // The request runs as usual: a container made for the announcement now would only be in its way (its name).
      for (const [k, at] of this.late) if (Date.now() - at > LATE_MS) this.late.delete(k);
      this.late.set(key, Date.now());
      return undefined;
    }
    this.pending.delete(key);
    const same = pending.request === canonicalRequest(detach, request);
    trace(`announce: pid ${caller.pid} claimed${same ? "" : " for another request"}`);
    pending.decide(same);
    const outcome = await pending.outcome;
    if ("record" in outcome) return outcome;
    return same && outcome.passedGate ? { failed: outcome.failed } : undefined;
  }

  /** Stop reading; the starts no request claimed are undone. */
  async close(): Promise<void> {
    this.closed = true;
    this.fifo.destroy();
    clearInterval(this.watch);
    await unlink(this.path).catch(() => undefined);
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) p.decide(false);
    await Promise.all(left.map((p) => p.outcome));
  }

  private heard(line: string): void {
    const m = LINE.exec(line);
    if (m === null || this.closed) return;
    trace(`announce: pid ${m[1]} heard`);
    const pid = Number(m[1]);
    const heard = this.announced(pid, Number(m[2]))
      .catch((e: unknown) => this.log(`run announcement of pid ${pid}: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        if (this.hearing.get(pid) === heard) this.hearing.delete(pid);
      });
    this.hearing.set(pid, heard);
  }

  private async announced(pid: number, argc: number): Promise<void> {
    // Synchronous reads of /proc: microseconds each, on the path of the run.
    const caller = identityOfSync(pid);
    if (caller === undefined || this.pending.has(keyOf(caller))) return;
    const read = readProcess(pid, argc);
    // Read from a pid that was reused meanwhile, it would be another process's.
    const after = identityOfSync(pid);
    if (read === undefined || after?.startTime !== caller.startTime) return;
    const run = await this.reader({ caller, ...read }).catch(() => undefined);
    const key = keyOf(caller);
    if (run === undefined || run.root !== this.runtime.ctx.root || this.closed || this.pending.has(key) || this.late.delete(key)) return;
    trace(`announce: pid ${pid} read`);
    const attached = run.detach ? undefined : caller;
    let request: string;
    try {
      request = canonicalRequest(run.detach, { image: run.image, options: run.options, ...(attached !== undefined && { attached }) });
    } catch {
      // Options the API would refuse: the request will say so.
      return;
    }
    let decide!: (go: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (decide = resolve));
    let passedGate = false;
    const gate: StartOptions["gate"] = async () => {
      if (!(await decided)) throw new UnclaimedRunError(`no request came for the run pid ${pid} announced`);
      passedGate = true;
    };
    const outcome = this.runtime.run(run.image, { ...run.options, pull: "never" }, { ...(attached !== undefined && { attached }), gate })
      .then(({ record }) => ({ record }), (failed: unknown) => ({ failed, passedGate }));
    this.pending.set(key, { request, caller, since: Date.now(), decide, outcome });
    this.watch ??= setInterval(() => void this.expire(), WATCH_MS).unref();
  }

  /** Undo the starts whose CLI is gone or did not ask in time. */
  private async expire(): Promise<void> {
    for (const [key, p] of this.pending) {
      if (Date.now() - p.since < this.claimWithinMs && (await isRunning(p.caller))) continue;
      if (this.pending.get(key) !== p) continue;
      this.pending.delete(key);
      p.decide(false);
      const undone = p.outcome.finally(() => this.undoing.delete(key));
      this.undoing.set(key, undone);
    }
    if (this.pending.size === 0) {
      clearInterval(this.watch);
      this.watch = undefined;
    }
  }
}

const keyOf = (p: ProcessIdentity): string => `${p.pid}:${p.startTime}`;

/**
 * A run request as one string, whoever made it: through the API's own
 * reading (what the wire carries: defaults dropped, fields checked), keys
 * sorted.
 */
export function canonicalRequest(detach: boolean, request: RunRequest): string {
  const parsed = parseRunRequest(JSON.parse(JSON.stringify(request)));
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (typeof v !== "object" || v === null) return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
  };
  return JSON.stringify({ detach, run: sorted(parsed) });
}

/**
 * Process `pid`'s last `argc` arguments (the launcher's, the same before and
 * after it execs Node: `sh LAUNCHER ARGS…`, `node -- LAUNCHER ARGS…`), its
 * environment and its directory; undefined when it is gone or has fewer.
 */
export function readProcess(pid: number, argc: number): Omit<Announcement, "caller"> | undefined {
  try {
    const [cmdline, environ, cwd] = [readFileSync(`/proc/${pid}/cmdline`), readFileSync(`/proc/${pid}/environ`), readlinkSync(`/proc/${pid}/cwd`)];
    const words = cmdline.toString("utf8").split("\0");
    if (words.at(-1) === "") words.pop();
    // The interpreter and the launcher's path come first.
    if (argc > words.length - 2) return undefined;
    const env: Record<string, string> = {};
    for (const entry of environ.toString("utf8").split("\0")) {
      const i = entry.indexOf("=");
      if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    return { args: words.slice(words.length - argc), env, cwd };
  } catch {
    return undefined;
  }
}
