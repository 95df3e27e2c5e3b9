import { Command } from "commander";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { findProgram } from "../../image/index.js";
import { InvalidArgumentError } from "../../oci/index.js";
import { collect } from "./container-cli.js";
import {
  healthFromFlags, parseCapabilities, parseCpus, parseEnv, parseEnvFile, parseMemory, parseMemorySwap, parsePidsLimit,
  parsePublish, parseMountFlag, parseVolumeFlag, parseTmpfs, type CreateContainerOptions, type MountRequest, type RestartPolicy,
} from "../../runtime/index.js";

/** The flags `run` and `create` share, as commander hands them over. */
export interface ContainerFlags {
  readonly rm?: boolean;
  readonly name?: string;
  readonly env: string[];
  readonly envFile: string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly entrypoint?: string;
  readonly hostname?: string;
  readonly readOnly?: boolean;
  readonly tmpfs: string[];
  readonly volume: string[];
  readonly mount: string[];
  readonly capAdd: string[];
  readonly capDrop: string[];
  readonly securityOpt: string[];
  readonly memory?: string;
  readonly memorySwap?: string;
  readonly cpus?: string;
  readonly pidsLimit?: string;
  readonly network?: string;
  readonly networkAlias: string[];
  readonly publish: string[];
  readonly publishAll?: boolean;
  readonly restart?: string;
  readonly healthCmd?: string;
  readonly healthInterval?: string;
  readonly healthTimeout?: string;
  readonly healthRetries?: string;
  readonly healthStartPeriod?: string;
  readonly healthOnFailure?: string;
  readonly healthcheck?: boolean;
  readonly init?: boolean;
  readonly runtime?: string;
  readonly pull?: string;
  readonly label: string[];
  readonly tty?: boolean;
  readonly interactive?: boolean;
  readonly quiet?: boolean;
}


/** Add docker's container flags to `cmd` (`run`, `create`). */
export function addContainerFlags(cmd: Command): Command {
  return cmd
    .option("--rm", "remove the container when it ends")
    .option("--name <name>", "container name")
    .option("-i, --interactive", "keep stdin open: berth's stdin is the container's")
    .option("-t, --tty", "allocate a terminal")
    .option("-e, --env <NAME=value>", "set an environment variable (repeatable; NAME alone copies it from here)", collect, [])
    .option("--env-file <file>", "read NAME=value lines from a file (repeatable)", collect, [])
    .option("-l, --label <key=value>", "set a label on the container (repeatable)", collect, [])
    .option("-w, --workdir <dir>", "working directory inside the container (absolute)")
    .option("-u, --user <user[:group]>", "user name or uid, and group name or gid")
    .option("--entrypoint <cmd>", "override the image's entrypoint (\"\" clears it)")
    .option("--hostname <name>", "container hostname (default the short id)")
    .option("--read-only", "mount the container's root filesystem read-only")
    .option("--tmpfs <path[:options]>", "mount a tmpfs (repeatable)", collect, [])
    .option("-v, --volume <src:dst[:ro]>", "bind-mount a host path or a named volume; /dst alone makes an anonymous volume (repeatable)", collect, [])
    .option("--mount <type=…,src=…,dst=…>", "mount a bind, volume or tmpfs, docker's --mount syntax (repeatable)", collect, [])
    .option("--cap-add <cap>", "add a Linux capability, or ALL (repeatable)", collect, [])
    .option("--cap-drop <cap>", "drop a Linux capability, or ALL (repeatable)", collect, [])
    .option("--security-opt <opt>", "no-new-privileges, seccomp=unconfined or seccomp=PROFILE.json (repeatable; default profile: Debian containers-common's)", collect, [])
    .option("-m, --memory <bytes>", "memory limit, e.g. 512m")
    .option("--memory-swap <bytes>", "memory plus swap limit, or -1 for unlimited swap (default twice --memory)")
    .option("--cpus <n>", "CPU quota in CPUs, e.g. 0.5")
    .option("--pids-limit <n>", "maximum number of processes (-1 unlimited)")
    .option("--network <name>", "bridge (default), none, host, or a network made with `berth network create`")
    .option("--network-alias <alias>", "another name for the container on a user network (repeatable)", collect, [])
    .option("-p, --publish <[ip:]host:ctr[/udp]>", "publish a container port on the host (repeatable)", collect, [])
    .option("-P, --publish-all", "publish every port the image exposes on a free host port")
    .option("--restart <policy>", "no, on-failure[:N], always or unless-stopped", "no")
    .option("--health-cmd <cmd>", "command to check health (run with /bin/sh -c)")
    .option("--health-interval <duration>", "time between checks, e.g. 30s")
    .option("--health-timeout <duration>", "longest a check may take")
    .option("--health-retries <n>", "consecutive failures that make the container unhealthy")
    .option("--health-start-period <duration>", "failures in this time after start do not count")
    .option("--health-on-failure <action>", "none, kill, restart or stop when unhealthy")
    .option("--no-healthcheck", "disable the image's HEALTHCHECK")
    .option("--init", "run an init (tini) as pid 1 that forwards signals and reaps zombies")
    .option("--pull <policy>", "when to pull the image: missing (the default: when the store lacks it), always, never")
    .option("--runtime <runtime>", "OCI runtime for this container: runc (the default), crun, or the path of another runc-compatible program; kept for its whole life")
    .option("-q, --quiet", "do not print pull progress");
}

/** docker's `--restart` values. */
export function parseRestart(value: string): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(value);
  if (m === null || (m[2] !== undefined && m[1] !== "on-failure")) {
    throw new InvalidArgumentError(`--restart ${value}: expected no, always, unless-stopped or on-failure[:max-retries]`);
  }
  return { name: m[1] as RestartPolicy["name"], maximumRetryCount: m[2] !== undefined ? Number(m[2]) : 0 };
}

/** `--runtime NAME|PATH`: a name is looked up in PATH, then the sbin and bin dirs (Debian's runc is in /usr/sbin); a path is made absolute. */
export function resolveRuntime(v: string): string {
  if (v === "") throw new InvalidArgumentError("--runtime: empty", { hint: "give runc, crun or a path" });
  if (v.includes("/")) return resolve(v);
  const found = findProgram(v);
  if (found !== undefined) return found;
  throw new InvalidArgumentError(`--runtime ${v}: not found in PATH or the system's sbin and bin dirs`, { hint: `install it (apt-get install ${v === "crun" ? "crun" : "runc"}) or give its absolute path` });
}

/** `--pull missing|always|never`, docker's. */
function parsePullPolicy(v: string): "missing" | "always" | "never" {
  if (v === "missing" || v === "always" || v === "never") return v;
  throw new InvalidArgumentError(`--pull ${v}: expected missing, always or never`);
}

/** Flags → library options; every error names its flag. Mount flags come back unresolved (volumes are made at create). */
export async function containerOptions(command: string[], f: ContainerFlags): Promise<CreateContainerOptions & { mounts: MountRequest[] }> {
  let noNewPrivileges = false;
  let seccompProfile: string | undefined;
  for (const o of f.securityOpt) {
    const seccomp = /^seccomp[=:](.+)$/.exec(o);
    if (/^no-new-privileges([:=]true)?$/.test(o)) noNewPrivileges = true;
    // A profile's path is kept absolute: the container may start again later (restart, a daemon) from another directory.
    else if (seccomp) seccompProfile = seccomp[1] === "unconfined" ? "unconfined" : resolve(seccomp[1]!);
    else throw new InvalidArgumentError(`--security-opt ${o}: expected no-new-privileges, seccomp=unconfined or seccomp=PROFILE.json`);
  }
  const env: string[] = [];
  for (const file of f.envFile) {
    const text = await readFile(file, "utf8").catch((e: Error) => {
      throw new InvalidArgumentError(`--env-file ${file}: cannot read: ${e.message}`);
    });
    env.push(...parseEnvFile(text, file, process.env));
  }
  for (const e of f.env) {
    const v = parseEnv(e, "-e", process.env);
    if (v !== undefined) env.push(v);
  }
  const labels: Record<string, string> = {};
  for (const l of f.label) {
    const i = l.indexOf("=");
    if (i === 0 || l === "") throw new InvalidArgumentError(`--label ${l}: expected key=value`);
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? "" : l.slice(i + 1);
  }
  const cmd = command[0] === "--" ? command.slice(1) : command;
  const memory = f.memory !== undefined ? parseMemory(f.memory) : undefined;
  const restartPolicy = parseRestart(f.restart ?? "no");
  const health = healthFromFlags({
    ...(f.healthCmd !== undefined && { cmd: f.healthCmd }),
    ...(f.healthInterval !== undefined && { interval: f.healthInterval }),
    ...(f.healthTimeout !== undefined && { timeout: f.healthTimeout }),
    ...(f.healthRetries !== undefined && { retries: f.healthRetries }),
    ...(f.healthStartPeriod !== undefined && { startPeriod: f.healthStartPeriod }),
    ...(f.healthOnFailure !== undefined && { onFailure: f.healthOnFailure }),
    ...(f.healthcheck === false && { noHealthcheck: true }),
  }, undefined);
  const mounts = [...f.volume.map(parseVolumeFlag), ...f.mount.map(parseMountFlag)];
  return {
    ...(cmd.length > 0 && { cmd }),
    ...(env.length > 0 && { env }),
    ...(f.entrypoint !== undefined && { entrypoint: f.entrypoint === "" ? [] : [f.entrypoint] }),
    ...(f.name !== undefined && { name: f.name }),
    ...(f.workdir !== undefined && { workdir: f.workdir }),
    ...(f.user !== undefined && { user: f.user }),
    ...(f.hostname !== undefined && { hostname: f.hostname }),
    ...(f.readOnly && { readOnly: true }),
    tmpfs: f.tmpfs.map(parseTmpfs),
    mounts,
    capAdd: parseCapabilities(f.capAdd, "--cap-add"),
    capDrop: parseCapabilities(f.capDrop, "--cap-drop"),
    ...(noNewPrivileges && { noNewPrivileges: true }),
    ...(seccompProfile !== undefined && { seccompProfile }),
    ...(memory !== undefined && { memory }),
    ...(f.memorySwap !== undefined && { memorySwap: parseMemorySwap(f.memorySwap, memory) }),
    ...(f.cpus !== undefined && { cpus: parseCpus(f.cpus, availableParallelism()) }),
    ...(f.pidsLimit !== undefined && { pidsLimit: parsePidsLimit(f.pidsLimit) }),
    network: f.network ?? "bridge",
    ...(f.networkAlias.length > 0 && { networkAliases: f.networkAlias }),
    publish: f.publish.flatMap((p) => parsePublish(p)),
    ...(f.publishAll && { publishAll: true }),
    ...(Object.keys(labels).length > 0 && { labels }),
    ...(restartPolicy.name !== "no" && { restartPolicy }),
    ...(health !== undefined && { health }),
    ...(f.healthcheck === false && { healthFlags: { noHealthcheck: true } }),
    ...(f.rm && { autoRemove: true }),
    ...(f.tty && { tty: true }),
    ...(f.init && { init: true }),
    ...(f.runtime !== undefined && { runtime: resolveRuntime(f.runtime) }),
    ...(f.pull !== undefined && { pull: parsePullPolicy(f.pull) }),
  };
}
