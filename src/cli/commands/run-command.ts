import { Command, Option } from "commander";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { isBerthError, InvalidArgumentError } from "../../oci/index.js";
import {
  ContainerStartError, parseBind, parseCapabilities, parseCpus, parseEnv, parseEnvFile, parseMemory, parsePidsLimit,
  parseTmpfs, runContainer, type RunContainerOptions,
} from "../../runtime/index.js";
import type { GlobalOptions } from "../main.js";
import { ProgressRenderer, progressMode } from "../progress-renderer.js";
import { imageStore } from "./image-commands.js";

interface RunFlags {
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
  readonly capAdd: string[];
  readonly capDrop: string[];
  readonly securityOpt: string[];
  readonly memory?: string;
  readonly cpus?: string;
  readonly pidsLimit?: string;
  readonly network: string;
  readonly quiet?: boolean;
}

/** docker's exit code when the failure is berth's own, not the container's. */
const BERTH_FAILED = 125;
const FORWARDED: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/**
 * `berth run [OPTIONS] IMAGE [CMD…]` in the foreground. Flags stop at IMAGE,
 * as docker's do, so the program must `enablePositionalOptions()`. Exit
 * code: the container's, or 125 (berth failed), 126 (cannot execute), 127
 * (command not found); errors are printed here because main's codes differ.
 */
export function runCommand(globals: () => GlobalOptions): Command {
  return new Command("run")
    .description("run a command in a new container, in the foreground (detached and persistent containers come later: "
      + "the container, its writable layer and its runtime state are always removed when it ends, with or without --rm)")
    .argument("<image>", "name, id, oci:DIR[:tag] or docker-archive:FILE; pulled first when not in the store")
    .argument("[command...]", "command and arguments; default the image's Cmd")
    .option("--rm", "remove the container when it ends (always done in this version)")
    .option("--name <name>", "container name")
    .option("-e, --env <NAME=value>", "set an environment variable (repeatable; NAME alone copies it from here)", collect, [])
    .option("--env-file <file>", "read NAME=value lines from a file (repeatable)", collect, [])
    .option("-w, --workdir <dir>", "working directory inside the container (absolute)")
    .option("-u, --user <user[:group]>", "user name or uid, and group name or gid")
    .option("--entrypoint <cmd>", "override the image's entrypoint (\"\" clears it)")
    .option("--hostname <name>", "container hostname (default the short id)")
    .option("--read-only", "mount the container's root filesystem read-only")
    .option("--tmpfs <path[:options]>", "mount a tmpfs (repeatable)", collect, [])
    .option("-v, --volume <src:dst[:ro]>", "bind-mount a host path (repeatable)", collect, [])
    .option("--cap-add <cap>", "add a Linux capability, or ALL (repeatable)", collect, [])
    .option("--cap-drop <cap>", "drop a Linux capability, or ALL (repeatable)", collect, [])
    .option("--security-opt <opt>", "no-new-privileges, seccomp=unconfined or seccomp=PROFILE.json (repeatable; default profile: Debian containers-common's)", collect, [])
    .option("-m, --memory <bytes>", "memory limit, e.g. 512m")
    .option("--cpus <n>", "CPU quota in CPUs, e.g. 0.5")
    .option("--pids-limit <n>", "maximum number of processes (-1 unlimited)")
    .addOption(new Option("--network <mode>", "network: none or host (bridge networks come later)").default("none"))
    .option("-q, --quiet", "do not print pull progress")
    .passThroughOptions()
    .action(async (image: string, command: string[], flags: RunFlags) => {
      process.exitCode = await runAction(globals(), image, command, flags);
    });
}

async function runAction(globals: GlobalOptions, image: string, command: string[], flags: RunFlags): Promise<number> {
  const renderer = new ProgressRenderer(progressMode({ ...(flags.quiet && { quiet: true }) }), process.stderr, "Downloading");
  const handlers = new Map<NodeJS.Signals, () => void>();
  try {
    const opts = await toOptions(command, flags);
    const container = await runContainer(imageStore(globals), image, { ...opts, onProgress: renderer.listener });
    renderer.finish();
    for (const s of FORWARDED) {
      const h = (): void => container.kill(s);
      handlers.set(s, h);
      process.on(s, h);
    }
    return await container.wait();
  } catch (e) {
    renderer.finish();
    process.stderr.write(`berth: ${e instanceof Error ? e.message : String(e)}\n`);
    if (isBerthError(e) && e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    if (globals.debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return e instanceof ContainerStartError ? e.exitCode : BERTH_FAILED;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}

/** Flags → library options; every error names its flag. */
async function toOptions(command: string[], f: RunFlags): Promise<RunContainerOptions> {
  if (f.network !== "none" && f.network !== "host") {
    throw new InvalidArgumentError(`--network ${f.network}: only none and host exist in this version`, { hint: "bridge and user networks come later" });
  }
  let noNewPrivileges = false;
  let seccompProfile: string | undefined;
  for (const o of f.securityOpt) {
    const seccomp = /^seccomp[=:](.+)$/.exec(o);
    if (/^no-new-privileges([:=]true)?$/.test(o)) noNewPrivileges = true;
    else if (seccomp) seccompProfile = seccomp[1];
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
  const cmd = command[0] === "--" ? command.slice(1) : command;
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
    binds: f.volume.map(parseBind),
    capAdd: parseCapabilities(f.capAdd, "--cap-add"),
    capDrop: parseCapabilities(f.capDrop, "--cap-drop"),
    ...(noNewPrivileges && { noNewPrivileges: true }),
    ...(seccompProfile !== undefined && { seccompProfile }),
    ...(f.memory !== undefined && { memory: parseMemory(f.memory) }),
    ...(f.cpus !== undefined && { cpus: parseCpus(f.cpus, availableParallelism()) }),
    ...(f.pidsLimit !== undefined && { pidsLimit: parsePidsLimit(f.pidsLimit) }),
    network: f.network,
  };
}
