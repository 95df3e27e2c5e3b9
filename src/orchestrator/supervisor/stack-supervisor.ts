import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { loadComposeProject, formatComposeWarning, type ComposeProject } from "../compose/index.js";
import { observeStack, type ObservedReplica } from "../stack/observe-stack.js";
import type { StackEngine } from "../stack/stack-engine.js";
import type { StackEvent } from "../stack/stack-event.js";
import type { PlannedService, StackPlan } from "../stack/stack-plan.js";
import type { OrchestratorState, StoredStack } from "../state/index.js";
import type { StackDownRequest, StackUpRequest } from "./stack-request.js";
import { enabledBy } from "./enabled-services.js";

/** An event as the log keeps it: with its id (monotonic; `berth events --since ID`). */
export type LoggedEvent = StackEvent & { readonly id: number };

/** A stack the supervisor keeps in shape. */
export interface SupervisedStack {
  readonly stored: StoredStack;
  /** Undefined when its files could not be read again (a restarted daemon whose files moved): then it is only watched, never changed. */
  readonly project?: ComposeProject;
  readonly plan?: StackPlan;
  /** Its replicas as this pass's reconcile found them, when that pass changed nothing (hooks use it instead of listing again). */
  readonly observed?: readonly ObservedReplica[];
}

/** Something the daemon does after every pass over the stacks (load balancers, DNS, sampling, autoscaling). */
export type PassHook = (stacks: readonly SupervisedStack[]) => Promise<void>;

export interface StackSupervisorOptions {
  readonly engine: StackEngine;
  readonly state: OrchestratorState;
  /** Pause between reconcile passes (default 500 ms: a killed replica is seen within it). */
  readonly intervalMs?: number;
  readonly hooks?: readonly PassHook[];
  /** What a reconcile pass makes a service's replicas as (see StackRollouts.planFor); default: as the file says. */
  readonly planFor?: (project: string) => (service: PlannedService) => PlannedService;
  /** Run once after the stacks are read and before the first pass (finish rollouts a stopped daemon left). */
  readonly beforeLoop?: () => Promise<void>;
}

/** Per-call sinks of a long operation (the API streams them to the client). */
export interface OperationSinks {
  readonly onEvent?: (e: LoggedEvent) => void;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * The daemon's heart: the stacks it was asked to keep (desired state in
 * SQLite), one reconcile pass over each every `intervalMs`, and `up`,
 * `down`, `stop` and `scale` run here so they and the loop never act on one
 * stack at once (a stack under an operation is skipped by the loop). Every
 * action is appended to the event log and sent to followers (`berth
 * events -f`). Nothing is kept only in memory: a daemon killed at any
 * moment and started again finds the stacks in SQLite and the replicas by
 * their labels, and only replaces what is really missing.
 */
export class StackSupervisor {
  private readonly stacks = new Map<string, SupervisedStack>();
  private readonly busy = new Map<string, number>();
  /** The last `up` of each stack (see inTurn). */
  private readonly turns = new Map<string, Promise<void>>();
  private readonly lastErrors = new Map<string, string>();
  private readonly lastActions = new Map<string, string>();
  /** This pass's reconcile observations of stacks it left unchanged, for the hooks (see SupervisedStack.observed). */
  private readonly passObserved = new Map<string, readonly ObservedReplica[]>();
  /** Operations begun per stack (the pass's own reconcile included), to tell whether another ran alongside it. */
  private readonly operations = new Map<string, number>();
  private readonly events = new EventEmitter();
  private loop: Promise<void> | undefined;
  private readonly ac = new AbortController();
  private readonly hooks: PassHook[];
  private readonly advisors: ((stack: SupervisedStack) => string[])[] = [];
  private readonly upChecks: ((stack: SupervisedStack) => UpCheckResult)[] = [];

  constructor(private readonly opts: StackSupervisorOptions) {
    this.events.setMaxListeners(0);
    this.hooks = [...(opts.hooks ?? [])];
  }

  get engine(): StackEngine {
    return this.opts.engine;
  }

  get state(): OrchestratorState {
    return this.opts.state;
  }

  /** Add an advisor: lines (warnings) `up` reports about a stack it brought up, e.g. limits far from use. */
  addAdvisor(advisor: (stack: SupervisedStack) => string[]): void {
    this.advisors.push(advisor);
  }

  /**
   * Add a check of a stack `up` brought up, run after the hooks: problems it
   * finds (a published port that cannot be bound) fail the `up`, though the
   * stack stays kept and the loop tries again, as docker compose fails an
   * `up` whose port is taken instead of reporting success.
   */
  addUpCheck(check: (stack: SupervisedStack) => UpCheckResult): void {
    this.upChecks.push(check);
  }

  /** Add a hook run after each pass. */
  addHook(hook: PassHook): void {
    this.hooks.push(hook);
  }

  /** Read the stored stacks (their files again) and start the loop. */
  async start(): Promise<void> {
    for (const stored of this.state.listStacks()) await this.adopt(stored);
    // Not awaited: the API answers meanwhile; the stacks it works on are busy, so the loop leaves them to it.
    this.loop = (async () => {
      await this.opts.beforeLoop?.().catch(() => undefined);
      await this.run();
    })();
  }

  /** End the loop after the pass under way. Containers are left as they are. */
  async stop(): Promise<void> {
    this.ac.abort();
    await this.loop;
  }

  /** The stacks kept, by project name. */
  list(): SupervisedStack[] {
    return [...this.stacks.values()];
  }

  get(project: string): SupervisedStack | undefined {
    return this.stacks.get(project);
  }

  /** Follow the event log: `fn` gets every event appended from now on; returns the unsubscribe. */
  follow(fn: (e: LoggedEvent) => void): () => void {
    this.events.on("event", fn);
    return () => this.events.off("event", fn);
  }

  /** Append an event to the log and tell followers. */
  record(e: StackEvent, sink?: (e: LoggedEvent) => void): void {
    const logged = { ...e, id: this.state.appendEvent(e) };
    sink?.(logged);
    this.events.emit("event", logged);
  }

  /**
   * The loop's events: a replica left waiting (blocked by a dependency, or
   * backing off) is said once, not at every pass, until something else
   * happens to it.
   */
  private recordOnce(e: StackEvent): void {
    const key = `${e.project}/${e.container ?? e.service}`;
    const repeat = e.action === "blocked" || e.action === "wait";
    if (repeat && this.lastActions.get(key) === e.action) return;
    this.lastActions.set(key, e.action);
    if (this.lastActions.size > 10_000) this.lastActions.clear();
    this.record(e);
  }

  /**
   * `berth up`: load the files, bring the stack to them, keep it so from now on. `up SERVICE…`
   * adds the services it names to those an earlier `up SERVICE…` of the stack enabled (a service
   * whose profile is not active is kept once named, as compose leaves it running), until a whole
   * `up` or `down`.
   */
  async up(req: StackUpRequest, sinks: OperationSinks = {}): Promise<{ project: string; actions: number }> {
    const load = (enable: readonly string[] | undefined): ReturnType<typeof loadComposeProject> => loadComposeProject({
      files: req.files, workingDir: req.workingDir, projectName: req.projectName, profiles: req.profiles, env: req.env, ...(enable && { enable: [...enable] }),
    });
    const named = await load(req.services);
    // One stack's ups one after another: each adds to what the one before stored.
    return this.inTurn(named.project.name, () => this.exclusive(named.project.name, async () => {
      const previous = this.state.getStack(named.project.name);
      const enabling = enabledBy(req.services, previous?.enable);
      // Read again only when an earlier `up SERVICE…` enabled a service this one does not name.
      const { project, warnings } = enabling.every((s) => req.services?.includes(s)) ? named : await load(enabling);
      // One the files no longer have is forgotten.
      const enable = enabling.filter((s) => project.services[s] !== undefined);
      for (const w of warnings) sinks.onProgress?.(`warning: ${formatComposeWarning(w)}`);
      const scale = { ...req.scale };
      const { plan, actions } = await this.engine.up(project, {
        ...(req.services && { services: req.services, keep: desiredCounts(previous) }), ...(req.noDeps !== undefined && { noDeps: req.noDeps }),
        ...(req.build !== undefined && { build: req.build }), ...(req.forceRecreate && { forceRecreate: true }), scale, ...(req.removeOrphans !== undefined && { removeOrphans: req.removeOrphans }),
        ...(req.timeoutS !== undefined && { timeoutS: req.timeoutS }), onEvent: (e) => this.record(e, sinks.onEvent),
        ...(sinks.onProgress && { onProgress: sinks.onProgress }), ...(sinks.signal && { signal: sinks.signal }),
      });
      const stored: StoredStack = {
        project: project.name, files: [...req.files], workingDir: req.workingDir, env: { ...req.env }, profiles: [...req.profiles],
        ...(enable.length > 0 && { enable }),
        scale: { ...req.scale }, stopped: false, updated: new Date().toISOString(),
        services: Object.fromEntries(plan.services.map((s) => [s.name, { replicas: s.replicas }])),
      };
      this.state.putStack(stored);
      await this.recordRevisions(project.name, plan);
      const kept = { stored, project, plan: this.engine.plan(project, desiredCounts(stored, project)) };
      this.stacks.set(project.name, kept);
      this.lastErrors.delete(project.name);
      for (const advise of this.advisors) for (const line of advise(kept)) sinks.onProgress?.(`warning: ${line}`);
      await this.runHooks();
      const checked = this.upChecks.map((check) => check(kept)).filter((c) => c.problems.length > 0);
      if (checked.length > 0) throw new StackUpIncompleteError(project.name, checked.flatMap((c) => c.problems), checked[0]?.hint);
      return { project: project.name, actions };
    }));
  }

  /** `berth down`: stop keeping the stack, take it away. */
  async down(name: string, req: StackDownRequest, sinks: OperationSinks = {}): Promise<{ containers: readonly string[]; networks: readonly string[]; volumes: readonly string[] }> {
    const result = await this.exclusive(name, async () => {
      const kept = this.stacks.get(name);
      this.stacks.delete(name);
      this.state.removeStack(name);
      return this.engine.down(kept?.project ?? name, {
        ...(req.volumes !== undefined && { volumes: req.volumes }), removeOrphans: req.removeOrphans === true || kept?.project === undefined,
        ...(req.timeoutS !== undefined && { timeoutS: req.timeoutS }), onEvent: (e) => this.record(e, sinks.onEvent),
      });
    });
    // Its listeners close now, not at the next pass.
    await this.runHooks();
    return result;
  }

  /** Stop the stack's replicas and keep it stopped (the foreground `up` ended by Ctrl-C) until the next `up`. */
  async stopStack(name: string, opts: { timeoutS?: number } = {}, sinks: OperationSinks = {}): Promise<void> {
    await this.exclusive(name, async () => {
      const kept = this.stacks.get(name);
      if (kept !== undefined) {
        const stored = { ...kept.stored, stopped: true, updated: new Date().toISOString() };
        this.state.putStack(stored);
        this.stacks.set(name, { ...kept, stored });
      }
      await this.engine.stop(kept?.project ?? name, { ...(opts.timeoutS !== undefined && { timeoutS: opts.timeoutS }), onEvent: (e) => this.record(e, sinks.onEvent) });
    });
  }

  /** `berth service scale`: new desired counts, kept, and applied now. */
  async scale(name: string, scale: Readonly<Record<string, number>>, sinks: OperationSinks = {}, why = "scaled"): Promise<{ actions: number }> {
    const kept = this.requireLoaded(name);
    for (const service of Object.keys(scale)) {
      if (kept.project.services[service] === undefined) throw new InvalidArgumentError(`no service ${service} in stack ${name}`, { hint: `services: ${Object.keys(kept.project.services).join(", ")}` });
    }
    return this.exclusive(name, async () => {
      for (const [service, n] of Object.entries(scale)) {
        this.state.setReplicas(name, service, n);
        this.record({ time: new Date().toISOString(), project: name, service, action: "scale", detail: `${why}: ${n} replica${n === 1 ? "" : "s"}` }, sinks.onEvent);
      }
      const stored = this.state.getStack(name) ?? kept.stored;
      const { actions } = await this.engine.up(kept.project, {
        services: Object.keys(scale), noDeps: true, gateOnDependencies: true, scale: desiredCounts(stored, kept.project), onEvent: (e) => this.record(e, sinks.onEvent), ...(sinks.signal && { signal: sinks.signal }),
      });
      this.stacks.set(name, { ...kept, stored, plan: this.engine.plan(kept.project, desiredCounts(stored, kept.project)) });
      await this.runHooks();
      return { actions };
    });
  }

  /**
   * After a good `up`: every service whose replicas run a config the
   * revision log does not have as current gets it recorded (a first `up`,
   * or one that only made new replicas), so that the next rolling update
   * has a revision to roll back to. Rolling updates record their own.
   */
  private async recordRevisions(project: string, plan: StackPlan): Promise<void> {
    const observed = await observeStack(this.engine.runtime, project);
    for (const s of plan.services) {
      const imageId = observed.find((r) => r.service === s.name && r.configHash === s.configHash)?.summary.record.imageId;
      if (imageId === undefined) continue;
      const cur = this.state.revisions.current(project, s.name);
      if (cur?.configHash === s.configHash && cur.imageId === imageId) continue;
      this.state.revisions.record({ project, service: s.name, configHash: s.configHash, image: s.image, imageId, plan: s });
    }
  }

  /** Run `fn` once the ones started before it for stack `name` through here have settled. */
  private inTurn<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const mine = (this.turns.get(name) ?? Promise.resolve()).then(fn);
    const settled = mine.then(() => undefined, () => undefined);
    this.turns.set(name, settled);
    void settled.then(() => {
      if (this.turns.get(name) === settled) this.turns.delete(name);
    });
    return mine;
  }

  /** Run `fn` with the stack marked busy: the loop leaves it alone meanwhile. */
  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.passObserved.delete(name);
    this.operations.set(name, (this.operations.get(name) ?? 0) + 1);
    this.busy.set(name, (this.busy.get(name) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.busy.get(name) ?? 1) - 1;
      if (n === 0) this.busy.delete(name);
      else this.busy.set(name, n);
    }
  }

  isBusy(name: string): boolean {
    return this.busy.has(name);
  }

  /** The kept stack, with its compose project; StackNotKeptError otherwise. */
  requireLoaded(name: string): SupervisedStack & { project: ComposeProject } {
    const kept = this.stacks.get(name);
    if (kept?.project === undefined) throw new StackNotKeptError(name, kept === undefined ? "no such stack" : "its compose files could not be read");
    return kept as SupervisedStack & { project: ComposeProject };
  }

  /** A service of a kept stack; InvalidArgumentError naming the services otherwise. */
  requireService(kept: SupervisedStack & { project: ComposeProject }, service: string): ComposeProject["services"][string] {
    const s = kept.project.services[service];
    if (s === undefined) throw new InvalidArgumentError(`no service ${service} in stack ${kept.stored.project}`, { hint: `services: ${Object.keys(kept.project.services).join(", ")}` });
    return s;
  }

  private async adopt(stored: StoredStack): Promise<void> {
    try {
      const { project } = await loadComposeProject({
        files: stored.files, workingDir: stored.workingDir, projectName: stored.project, profiles: stored.profiles, env: stored.env, ...(stored.enable && { enable: stored.enable }),
      });
      this.stacks.set(stored.project, { stored, project, plan: this.engine.plan(project, desiredCounts(stored, project)) });
    } catch (e) {
      this.stacks.set(stored.project, { stored });
      this.record({ time: new Date().toISOString(), project: stored.project, service: "", action: "warning", detail: `stack kept but not reconciled: its compose files cannot be read again (${e instanceof Error ? e.message : String(e)}); run berth up for it` });
    }
  }

  private async run(): Promise<void> {
    const signal = this.ac.signal;
    // Every pass looks at every replica; between passes, a pause. (conmon writes a container's exit
    // file in that container's own directory, so there is no one directory to watch for exits.)
    while (!signal.aborted) {
      await this.passOnce();
      await sleep(this.opts.intervalMs ?? 500, undefined, { signal }).catch(() => undefined);
    }
  }

  /** One pass: reconcile every kept stack that is not stopped or busy, then the hooks. Failures become (deduplicated) warning events. */
  async passOnce(): Promise<void> {
    this.passObserved.clear();
    for (const kept of [...this.stacks.values()]) {
      const name = kept.stored.project;
      if (kept.project === undefined || kept.stored.stopped || this.isBusy(name)) continue;
      const before = this.operations.get(name) ?? 0;
      try {
        const result = await this.exclusive(name, () => this.engine.reconcileOnce(kept.project!, {
          scale: desiredCounts(this.stacks.get(name)?.stored ?? kept.stored, kept.project), onEvent: (e) => this.recordOnce(e), ...(this.opts.planFor && { planFor: this.opts.planFor(name) }),
        }));
        // Still what exists when the pass changed nothing and no operation began meanwhile (operations drop it).
        if (result.actions === 0 && result.observed !== undefined && this.operations.get(name) === before + 1) this.passObserved.set(name, result.observed);
        this.lastErrors.delete(name);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (this.lastErrors.get(name) !== message) this.record({ time: new Date().toISOString(), project: name, service: "", action: "warning", detail: `reconcile: ${message}` });
        this.lastErrors.set(name, message);
      }
    }
    await this.runHooks();
  }

  /** The hooks, once (after a pass, and after an operation so that its ports listen before it returns). */
  async runHooks(): Promise<void> {
    const stacks = this.list().map((s) => {
      const observed = this.passObserved.get(s.stored.project);
      return observed === undefined ? s : { ...s, observed };
    });
    for (const hook of this.hooks) {
      try {
        await hook(stacks);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (this.lastErrors.get("") !== message) this.record({ time: new Date().toISOString(), project: "", service: "", action: "warning", detail: message });
        this.lastErrors.set("", message);
      }
    }
  }
}

/** The desired replica count of every service of a stored stack. */
export function desiredCounts(stored: StoredStack | undefined, project?: ComposeProject): Record<string, number> {
  if (stored === undefined) return {};
  // With `project`, only its services: a count stored for a service the files no longer have would fail the plan (see StackEngine.reconcileOnce).
  const entries = Object.entries(stored.services).filter(([n]) => project === undefined || project.services[n] !== undefined);
  return Object.fromEntries(entries.map(([n, s]) => [n, s.replicas]));
}

/** What an {@link StackSupervisor.addUpCheck} check found wrong with a stack just brought up; none is fine. */
export interface UpCheckResult {
  readonly problems: readonly string[];
  readonly hint?: string;
}

/** `up` made the containers, but the stack does not work as the file says (a port it could not publish). */
export class StackUpIncompleteError extends BerthError {
  constructor(readonly project: string, readonly problems: readonly string[], hint?: string) {
    super("FAILED_PRECONDITION", `stack ${project} is up, but ${problems.join("; ")}`, {
      hint: `${hint === undefined ? "" : `${hint}; `}the daemon keeps trying; berth down -p ${project} takes the stack away`,
    });
  }
}

/** An operation on a stack the daemon does not keep (or cannot read). */
export class StackNotKeptError extends BerthError {
  constructor(readonly project: string, why: string) {
    super("NOT_FOUND", `stack ${project}: ${why}`, { hint: "bring it up with `berth up` first" });
  }
}
