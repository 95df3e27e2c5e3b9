import { Command } from "commander";
import { InvalidArgumentError, isBerthError } from "../../oci/index.js";
import type { PublishedServicePort, StackEngine, StackEvent, StackStatus } from "../../orchestrator/index.js";
import type { GlobalOptions } from "../main.js";
import { renderTable } from "../table.js";
import { untilInterrupted } from "../until-interrupted.js";
import { collect, runtimeOf } from "./container-cli.js";
import { daemonOf } from "./daemon-cli.js";
import { humanDuration, portsText } from "./container-status-text.js";

import { addProjectFlags, loadProject, orchestrator, projectName, type ProjectFlags } from "./stack-project.js";

const engineOf = async (globals: () => GlobalOptions): Promise<StackEngine> => new (await orchestrator()).StackEngine(runtimeOf(globals));

/** A stack's status as the daemon gives it: with the ports its load balancers publish. */
type DaemonStackStatus = StackStatus & { readonly published?: readonly PublishedServicePort[] };

/** One event as a progress line on stderr: `web: created and started shop-web-1`. */
function printEvent(e: StackEvent): void {
  const who = e.action === "warning" ? "warning" : e.service;
  process.stderr.write(`${who === "" ? "" : `${who}: `}${e.detail}\n`);
}

/** `--scale SVC=N`, `scale SVC=N` values. */
function parseScale(values: readonly string[], flag: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=\s]+)=(\d{1,7})$/.exec(v);
    if (m === null) throw new InvalidArgumentError(`${flag} ${JSON.stringify(v)}: expected SERVICE=REPLICAS`, { hint: "e.g. web=3" });
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

interface UpFlags extends ProjectFlags {
  readonly detach?: boolean;
  readonly build?: boolean;
  readonly forceRecreate?: boolean;
  readonly scale: string[];
  readonly deps: boolean;
  readonly removeOrphans?: boolean;
  readonly timeout?: string;
}

const parseTimeout = (t: string | undefined): number | undefined => {
  if (t === undefined) return undefined;
  if (!/^\d{1,5}$/.test(t)) throw new InvalidArgumentError(`--timeout ${t}: a whole number of seconds`);
  return Number(t);
};

function upCommand(globals: () => GlobalOptions): Command {
  return addProjectFlags(new Command("up"))
    .description("create and start a compose project's services (images built or pulled first, depends_on honoured); "
      + "in the foreground, follow their logs and keep them running until Ctrl-C, then stop them")
    .argument("[services...]", "only these services, and what they depend on")
    .option("-d, --detach", "start the services and return")
    .option("--build", "build images of services with build: even when they exist")
    .option("--force-recreate", "recreate the named services' containers (all when none is named; not their dependencies) even if their configuration and image have not changed (anonymous volumes are kept)")
    .option("--scale <service=n>", "run N replicas of SERVICE (repeatable; over deploy.replicas)", collect, [])
    .option("--no-deps", "with SERVICE…: do not start the services they depend on")
    .option("--remove-orphans", "remove containers of services no longer in the file")
    .option("-t, --timeout <seconds>", "stop timeout for replicas that are replaced or stopped (default the service's stop_grace_period, else 10)")
    .action(async (services: string[], f: UpFlags) => {
      const scale = parseScale(f.scale, "--scale");
      const timeoutS = parseTimeout(f.timeout);
      // Found and checked here (a bad file fails before any daemon starts); the daemon reads the same files again and reports the warnings.
      const project = await loadProject(f, true);
      const client = await daemonOf(globals);
      const request = {
        files: project.files, workingDir: project.workingDir, projectName: project.name, profiles: f.profile, env: definedEnv(),
        services, noDeps: !f.deps, build: f.build === true, ...(f.forceRecreate && { forceRecreate: true }), scale, removeOrphans: f.removeOrphans === true, ...(timeoutS !== undefined && { timeoutS }),
      };
      await untilInterrupted((signal) => client.stream("POST", "/v1/stacks/up", request, { onEvent: printEvent, onProgress: (l) => void process.stderr.write(`${l}\n`), signal }));
      if (f.detach) return;
      const { stackLogs } = await orchestrator();
      const engine = await engineOf(globals);
      await untilInterrupted(async (signal) => {
        const ended = new AbortController();
        const stop = AbortSignal.any([signal, ended.signal]);
        const logs = stackLogs(engine.runtime, project.name, process, { follow: true, signal: stop, ...(services.length > 0 && { services }) });
        // As docker compose's foreground up: done when nothing of the stack runs any more (the daemon restarts what its policy wants back).
        while (!stop.aborted) {
          await new Promise((r) => setTimeout(r, 2000));
          const status = await engine.status(project.name).catch(() => undefined);
          if (status !== undefined && !status.services.some((x) => x.replicas.some((r) => r.state === "running" || r.state === "restarting" || r.state === "created"))) ended.abort();
        }
        await logs;
      }, { onFirst: () => void process.stderr.write("Gracefully stopping... (press Ctrl+C again to force)\n") });
      await client.stream("POST", `/v1/stacks/${project.name}/stop`, { ...(timeoutS !== undefined && { timeoutS }) }, { onEvent: printEvent });
    });
}

/** The environment the compose file is interpolated with, sent to the daemon (it reads the files with the caller's variables, as docker compose does). */
const definedEnv = (): Record<string, string> => Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));

interface DownFlags extends ProjectFlags {
  readonly volumes?: boolean;
  readonly removeOrphans?: boolean;
  readonly timeout?: string;
}

function downCommand(globals: () => GlobalOptions): Command {
  return addProjectFlags(new Command("down"))
    .description("stop and remove a project's containers and networks (found by the project's label: -p NAME works from any directory)")
    .option("-v, --volumes", "also remove the project's named volumes and the containers' anonymous ones")
    .option("--remove-orphans", "also remove containers of services no longer in the file (always, with -p NAME alone)")
    .option("-t, --timeout <seconds>", "stop timeout (default the service's stop_grace_period, else 10)")
    .action(async (f: DownFlags) => {
      const timeoutS = parseTimeout(f.timeout);
      const name = await projectName(f, true);
      const client = await daemonOf(globals);
      // -p NAME alone reads no file, so nothing is an orphan: every container labelled for the project goes (as the help says).
      const byNameAlone = f.projectName !== undefined && f.file.length === 0;
      await client.stream("POST", `/v1/stacks/${name}/down`, {
        volumes: f.volumes === true, removeOrphans: f.removeOrphans === true || byNameAlone, ...(timeoutS !== undefined && { timeoutS }),
      }, { onEvent: printEvent });
    });
}

/** The projects `service ls` shows: -p, else the compose file's, else every stack on this root. */
async function projectsToList(engine: StackEngine, f: ProjectFlags): Promise<string[]> {
  if (f.projectName !== undefined || f.file.length > 0) return [await projectName(f)];
  try {
    return [(await loadProject(f)).name];
  } catch (e) {
    // No compose file here: every stack on the root. A file that is there but invalid is still an error.
    if (!isBerthError(e, "NOT_FOUND")) throw e;
    return engine.projects();
  }
}

/**
 * The project the flags name, once every one of `services` is known to it
 * (the file's services, or with `-p NAME` alone the stack's): a typo is an
 * error, as in docker compose, not an empty log.
 */
async function checkServices(globals: () => GlobalOptions, f: ProjectFlags, services: readonly string[]): Promise<string> {
  let name: string;
  let known: string[];
  if (f.projectName !== undefined && f.file.length === 0) {
    name = f.projectName;
    known = (await (await engineOf(globals)).status(name)).services.map((s) => s.name);
  } else {
    const project = await loadProject(f);
    name = project.name;
    known = [...Object.keys(project.services), ...project.disabledServices];
  }
  const unknown = services.filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new InvalidArgumentError(`no such service: ${unknown.join(", ")}`, { hint: `services of ${name}: ${known.join(", ") || "none"}` });
  return name;
}

function stateText(r: StackStatus["services"][number]["replicas"][number], now: number): string {
  const since = (iso: string | undefined): string => humanDuration(iso === undefined ? 0 : now - Date.parse(iso));
  if (r.state === "running") return `Up ${since(r.startedAt)}`;
  if (r.state === "exited") return r.finishedAt === undefined ? "Created" : `Exited (${r.exitCode ?? "?"}) ${since(r.finishedAt)} ago`;
  return r.state === "created" ? "Created" : r.state[0]!.toUpperCase() + r.state.slice(1);
}

function serviceCommand(globals: () => GlobalOptions): Command {
  const cmd = new Command("service").description("the services of compose projects: list, replicas, logs, scale");
  cmd.addCommand(addProjectFlags(new Command("ls").alias("list"))
    .description("list services: replicas ready/desired, health, published ports (every stack on this root when no project is found)")
    .option("--format <format>", "json: the status of each stack as JSON")
    .action(async (f: ProjectFlags & { format?: string }) => {
      if (f.format !== undefined && f.format !== "json") throw new InvalidArgumentError(`--format ${f.format}: only json is known`);
      const engine = await engineOf(globals);
      const names = await projectsToList(engine, f);
      const client = await daemonOf(globals);
      const statuses = await Promise.all(names.map((name) => client.json<DaemonStackStatus>("GET", `/v1/stacks/${name}`)));
      if (f.format === "json") {
        process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
        return;
      }
      const rows: string[][] = [];
      for (const status of statuses) {
        for (const s of status.services) {
          const ports = [...(status.published ?? []).filter((p) => p.service === s.name), ...s.ports];
          rows.push([...(names.length > 1 ? [status.project] : []), s.name, `${s.ready}/${s.desired ?? s.replicas.length}`, s.health, portsText(ports)]);
        }
      }
      process.stdout.write(renderTable([...(names.length > 1 ? ["STACK"] : []), "SERVICE", "REPLICAS", "HEALTH", "PORTS"], rows));
    }));
  cmd.addCommand(addProjectFlags(new Command("ps"))
    .description("list a service's replicas")
    .argument("<service>", "the service")
    .option("--format <format>", "json: the replicas as JSON")
    .action(async (service: string, f: ProjectFlags & { format?: string }) => {
      if (f.format !== undefined && f.format !== "json") throw new InvalidArgumentError(`--format ${f.format}: only json is known`);
      const status = await (await engineOf(globals)).status(await projectName(f));
      const s = status.services.find((x) => x.name === service);
      if (s === undefined) throw new InvalidArgumentError(`no service ${service} in project ${status.project}`, { hint: `services: ${status.services.map((x) => x.name).join(", ") || "none"}` });
      if (f.format === "json") {
        process.stdout.write(`${JSON.stringify(s.replicas, null, 2)}\n`);
        return;
      }
      const now = Date.now();
      process.stdout.write(renderTable(["NAME", "IMAGE", "STATUS", "HEALTH", "PORTS"],
        s.replicas.map((r) => [r.name, r.image, stateText(r, now), r.health ?? "", portsText(r.ports)])));
    }));
  cmd.addCommand(addProjectFlags(new Command("logs"), false)
    .description("show the logs of a service's replicas, each line prefixed with service-N")
    .argument("<services...>", "the services")
    .option("-f, --follow", "follow the logs (and replicas made meanwhile) until Ctrl-C")
    .option("-n, --tail <lines>", "only the last N lines of each replica")
    .action(async (services: string[], f: ProjectFlags & { follow?: boolean; tail?: string }) => {
      if (f.tail !== undefined && !/^\d+$/.test(f.tail)) throw new InvalidArgumentError(`--tail ${f.tail}: a number of lines`);
      const name = await checkServices(globals, f, services);
      const { stackLogs } = await orchestrator();
      const run = (signal?: AbortSignal): Promise<void> => stackLogs(runtimeOf(globals), name, process, {
        services, ...(f.follow && { follow: true }), ...(f.tail !== undefined && { tail: Number(f.tail) }), ...(signal && { signal }),
      });
      await (f.follow ? untilInterrupted(run) : run());
    }));
  cmd.addCommand(addProjectFlags(new Command("scale"))
    .description("set the number of replicas of services (new ones made, those numbered above N removed)")
    .argument("<service=n...>", "SERVICE=REPLICAS, one or more")
    .action(async (specs: string[], f: ProjectFlags) => {
      const scale = parseScale(specs, "scale");
      const name = await projectName(f, true);
      const client = await daemonOf(globals);
      await untilInterrupted((signal) => client.stream("POST", `/v1/stacks/${name}/scale`, { scale }, { onEvent: printEvent, signal }));
    }));
  return cmd;
}

/** `berth up`, `berth down`, `berth service ls|ps|logs|scale`: compose projects on this host (docker compose's flags and output). */
export function stackCommands(globals: () => GlobalOptions): Command[] {
  return [upCommand(globals), downCommand(globals), serviceCommand(globals)];
}
