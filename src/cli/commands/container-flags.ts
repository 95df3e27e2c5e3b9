import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { findProgram } from "../../image/index.js";
import { InvalidArgumentError } from "../../oci/index.js";
import { addFlags, type FlagSpec } from "../flag-table.js";
import {
  parseCapabilities, parseCpus, parseEnv, parseEnvFile, parseHealthFlags, parseMemory, parseMemorySwap, parsePidsLimit,
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


/** docker's container flags (`run`, `create`), as data: see flag-table.ts. */
export const CONTAINER_FLAGS: readonly FlagSpec[] = [
  { flags: "--rm", help: "remove the container when it ends" },
  { flags: "--name <name>", help: "container name" },
  { flags: "-i, --interactive", help: "keep stdin open: berth's stdin is the container's" },
  { flags: "-t, --tty", help: "allocate a terminal" },
  { flags: "-e, --env <NAME=value>", help: "set an environment variable (repeatable; NAME alone copies it from here)", repeatable: true },
  { flags: "--env-file <file>", help: "read NAME=value lines from a file (repeatable)", repeatable: true },
  { flags: "-l, --label <key=value>", help: "set a label on the container (repeatable)", repeatable: true },
  { flags: "-w, --workdir <dir>", help: "working directory inside the container (absolute)" },
  { flags: "-u, --user <user[:group]>", help: "user name or uid, and group name or gid" },
  { flags: "--entrypoint <cmd>", help: "override the image's entrypoint (\"\" clears it)" },
  { flags: "-h, --hostname <name>", help: "container hostname (default the short id)" },
  { flags: "--read-only", help: "mount the container's root filesystem read-only" },
  { flags: "--tmpfs <path[:options]>", help: "mount a tmpfs (repeatable)", repeatable: true },
  { flags: "-v, --volume <src:dst[:ro]>", help: "bind-mount a host path or a named volume; /dst alone makes an anonymous volume (repeatable)", repeatable: true },
  { flags: "--mount <type=…,src=…,dst=…>", help: "mount a bind, volume or tmpfs, docker's --mount syntax (repeatable)", repeatable: true },
  { flags: "--cap-add <cap>", help: "add a Linux capability, or ALL (repeatable)", repeatable: true },
  { flags: "--cap-drop <cap>", help: "drop a Linux capability, or ALL (repeatable)", repeatable: true },
  { flags: "--security-opt <opt>", help: "no-new-privileges[=true|false], seccomp=unconfined or seccomp=PROFILE.json (repeatable; default profile: Debian containers-common's); label=disable and apparmor=unconfined are accepted (berth applies neither)", repeatable: true },
  { flags: "-m, --memory <bytes>", help: "memory limit, e.g. 512m" },
  { flags: "--memory-swap <bytes>", help: "memory plus swap limit, or -1 for unlimited swap (default twice --memory)" },
  { flags: "--cpus <n>", help: "CPU quota in CPUs, e.g. 0.5" },
  { flags: "--pids-limit <n>", help: "maximum number of processes (-1 unlimited)" },
  { flags: "--network <name>", help: "bridge (default), none, host, or a network made with `berth network create`" },
  { flags: "--network-alias <alias>", help: "another name for the container on a user network (repeatable)", repeatable: true },
  { flags: "-p, --publish <[ip:]host:ctr[/udp]>", help: "publish a container port on the host (repeatable); ranges A-B:C-D map port by port, A-B:C takes the first free port of A-B", repeatable: true },
  { flags: "-P, --publish-all", help: "publish every port the image exposes on a free host port" },
  { flags: "--restart <policy>", help: "no, on-failure[:N], always or unless-stopped", default: "no" },
  { flags: "--health-cmd <cmd>", help: "command to check health (run with /bin/sh -c); replaces the image's HEALTHCHECK command" },
  { flags: "--health-interval <duration>", help: "time between checks, a Go duration (30s, 1m30s, 500ms); 0 keeps the image's (default 30s)" },
  { flags: "--health-timeout <duration>", help: "longest a check may take; 0 keeps the image's (default 30s)" },
  { flags: "--health-retries <n>", help: "consecutive failures that make the container unhealthy; 0 keeps the image's (default 3)" },
  { flags: "--health-start-period <duration>", help: "failures in this time after start do not count; 0 keeps the image's (default 0s)" },
  { flags: "--health-on-failure <action>", help: "none, kill, restart or stop when unhealthy" },
  { flags: "--no-healthcheck", help: "disable the image's HEALTHCHECK (not with --health-* options)" },
  { flags: "--init", help: "run an init (tini) as pid 1 that forwards signals and reaps zombies" },
  { flags: "--pull <policy>", help: "when to pull the image: missing (the default: when the store lacks it), always, never" },
  { flags: "--runtime <runtime>", help: "OCI runtime for this container: runc (the default), crun, or the path of another runc-compatible program; kept for its whole life" },
  { flags: "-q, --quiet", help: "do not print pull progress" },
];

/** Add docker's container flags to `cmd` (`run`, `create`). */
export function addContainerFlags(cmd: Command): Command {
  return addFlags(withoutShortHelp(cmd), CONTAINER_FLAGS);
}

/** Help as `--help` only: `-h` is `--hostname` for `run` and `create`, as in docker, not help (which ran nothing, exit 0). */
export function withoutShortHelp(cmd: Command): Command {
  return cmd.helpOption("--help", "display help for command");
}

/** docker's `--restart` values. */
export function parseRestart(value: string): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(value);
  if (m === null || (m[2] !== undefined && m[1] !== "on-failure")) {
    throw new InvalidArgumentError(`--restart ${value}: expected no, always, unless-stopped or on-failure[:max-retries]`);
  }
  return { name: m[1] as RestartPolicy["name"], maximumRetryCount: m[2] !== undefined ? Number(m[2]) : 0 };
}

/** `--runtime NAME|PATH`: a name is looked up in PATH, then the sbin and bin dirs (Debian's runc is in /usr/sbin); a path is made absolute against `cwd`. */
export function resolveRuntime(v: string, cwd = process.cwd()): string {
  if (v === "") throw new InvalidArgumentError("--runtime: empty", { hint: "give runc, crun or a path" });
  if (v.includes("/")) return resolve(cwd, v);
  const found = findProgram(v);
  if (found !== undefined) return found;
  throw new InvalidArgumentError(`--runtime ${v}: not found in PATH or the system's sbin and bin dirs`, { hint: `install it (apt-get install ${v === "crun" ? "crun" : "runc"}) or give its absolute path` });
}

/** `--pull missing|always|never`, docker's. */
function parsePullPolicy(v: string): "missing" | "always" | "never" {
  if (v === "missing" || v === "always" || v === "never") return v;
  throw new InvalidArgumentError(`--pull ${v}: expected missing, always or never`);
}

/**
 * What a command line's options depend on besides its words: the environment (`-e NAME`, env files)
 * and working directory (relative paths) of the berth that was given it, and where its warnings go.
 * The daemon reads an announced `run` (api/run-announcements.ts) with its CLI's, not its own.
 */
export interface CommandHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly warn: (line: string) => void;
}

/** This berth's own environment, directory and stderr. */
export const thisBerth = (): CommandHost => ({ env: process.env, cwd: process.cwd(), warn: (line) => void process.stderr.write(line) });

/** Flags → library options; every error names its flag. Mount flags come back unresolved (volumes are made at create). */
export async function containerOptions(command: string[], f: ContainerFlags, host: CommandHost = thisBerth()): Promise<CreateContainerOptions & { mounts: MountRequest[] }> {
  let noNewPrivileges = false;
  let seccompProfile: string | undefined;
  for (const o of f.securityOpt) {
    const seccomp = /^seccomp[=:](.+)$/.exec(o);
    if (/^no-new-privileges([:=]true)?$/.test(o)) noNewPrivileges = true;
    else if (/^no-new-privileges[:=]false$/.test(o)) noNewPrivileges = false;
    // A profile's path is kept absolute: the container may start again later (restart, a daemon) from another directory.
    else if (seccomp) seccompProfile = seccomp[1] === "unconfined" ? "unconfined" : resolve(host.cwd, seccomp[1]!);
    // berth applies no SELinux label and no AppArmor profile: turning them off, as scripts for docker and podman do, is already so.
    else if (/^(label[:=]disable|apparmor[:=]unconfined)$/.test(o)) continue;
    else {
      throw new InvalidArgumentError(`--security-opt ${o}: expected no-new-privileges[=true|false], seccomp=unconfined, seccomp=PROFILE.json, label=disable or apparmor=unconfined`, {
        ...(/^(label|apparmor)[:=]/.test(o) && { hint: "berth applies no SELinux labels or AppArmor profiles; only turning them off is accepted" }),
      });
    }
  }
  const env: string[] = [];
  for (const file of f.envFile) {
    const text = await readFile(resolve(host.cwd, file), "utf8").catch((e: Error) => {
      throw new InvalidArgumentError(`--env-file ${file}: cannot read: ${e.message}`);
    });
    env.push(...parseEnvFile(text, file, host.env));
  }
  for (const e of f.env) {
    const v = parseEnv(e, "-e", host.env);
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
  const healthFlags = {
    ...(f.healthCmd !== undefined && { cmd: f.healthCmd }),
    ...(f.healthInterval !== undefined && { interval: f.healthInterval }),
    ...(f.healthTimeout !== undefined && { timeout: f.healthTimeout }),
    ...(f.healthRetries !== undefined && { retries: f.healthRetries }),
    ...(f.healthStartPeriod !== undefined && { startPeriod: f.healthStartPeriod }),
    ...(f.healthOnFailure !== undefined && { onFailure: f.healthOnFailure }),
    ...(f.healthcheck === false && { noHealthcheck: true }),
  };
  // What needs no image is checked now, before any pull; the merge with the image's HEALTHCHECK
  // is create's (here or in the daemon), the first to hold the image config.
  parseHealthFlags(healthFlags);
  const mounts = [...f.volume.map(parseVolumeFlag), ...f.mount.map(parseMountFlag)];
  // 0 is docker's "no limit": no quota at all.
  const cpus = f.cpus === undefined ? undefined : parseCpus(f.cpus, availableParallelism());
  const network = f.network ?? "bridge";
  if (f.networkAlias.length > 0 && (network === "bridge" || network === "host" || network === "none")) {
    // docker's rule: the bridge network has no DNS for an alias to be in; on host and none there is no network of berth's.
    throw new InvalidArgumentError(`--network-alias: network-scoped aliases are only supported for user networks, not ${network}`, {
      hint: "make one with `berth network create NAME` and run with --network NAME",
    });
  }
  let publish = f.publish.flatMap((p) => parsePublish(p));
  if (network === "host" && (publish.length > 0 || f.publishAll)) {
    // As docker: the container has the host's own ports; a mapping shown in ps and inspect would be untrue.
    host.warn("WARNING: Published ports are discarded when using host network mode\n");
    publish = [];
  }
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
    ...(cpus !== undefined && cpus > 0 && { cpus }),
    ...(f.pidsLimit !== undefined && { pidsLimit: parsePidsLimit(f.pidsLimit) }),
    network,
    ...(f.networkAlias.length > 0 && { networkAliases: f.networkAlias }),
    publish,
    ...(f.publishAll && network !== "host" && { publishAll: true }),
    ...(Object.keys(labels).length > 0 && { labels }),
    ...(restartPolicy.name !== "no" && { restartPolicy }),
    ...(Object.keys(healthFlags).length > 0 && { healthFlags }),
    ...(f.rm && { autoRemove: true }),
    ...(f.tty && { tty: true }),
    ...(f.init && { init: true }),
    ...(f.runtime !== undefined && { runtime: resolveRuntime(f.runtime, host.cwd) }),
    ...(f.pull !== undefined && { pull: parsePullPolicy(f.pull) }),
  };
}
