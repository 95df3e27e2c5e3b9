import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { StartedDockerd } from "../../test/support/dockerd.js";
import { findTool } from "../../test/support/require-root.js";
import { CommandRunner, type CommandResult } from "../harness/command-runner.js";
import { median } from "../harness/stats.js";
import { timed } from "../harness/timing.js";
import { BERTH_BIN, mustSucceed } from "../pull/tools.js";

/**
 * Every tool the build bench runs (berth, the docker CLI, mmdebstrap, tar) goes through this,
 * so cleanup after an error or Ctrl-C stops what still runs, by PID, before its temp dir goes.
 */
export const buildCommands = new CommandRunner();

/** A build, an image save or a container command gets this long before it is killed. */
export const BUILD_TIMEOUT_MS = 10 * 60_000;

/** Run `cmd args` (no shell), bounded; resolves on exit 0, else throws with the command and its output's tail. */
export const mustRun = (cmd: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CommandResult> =>
  mustSucceed(buildCommands.run(cmd, args, { timeoutMs: opts.timeoutMs ?? BUILD_TIMEOUT_MS, env: opts.env, cwd: opts.cwd }));

/** A CLI bound to one state: `berth --root R …` or `docker` against the bench's dockerd. */
export type Cli = (args: readonly string[], timeoutMs?: number) => Promise<CommandResult>;

/** `bin/berth.cjs --root <root> args…`, checked like {@link mustRun}; `env` is added to this process's. */
export const berthAt = (root: string, env: NodeJS.ProcessEnv = {}): Cli => (args, timeoutMs) =>
  mustRun(BERTH_BIN, ["--root", root, ...args], { timeoutMs, env: { ...process.env, ...env } });

/**
 * The docker CLI against `dockerd` with the legacy builder (DOCKER_BUILDKIT=0: Debian ships no
 * buildx), a private DOCKER_CONFIG under `dir`, and none of the caller's DOCKER_* variables.
 * Runs through {@link buildCommands} (not the dockerd helper's own runner) so Ctrl-C stops a
 * build in flight by PID.
 */
export async function dockerCli(dockerd: StartedDockerd, dir: string): Promise<Cli> {
  const config = join(dir, "docker-cli-config");
  await mkdir(config, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("DOCKER_")) env[k] = v;
  Object.assign(env, { DOCKER_HOST: dockerd.host, DOCKER_CONFIG: config, DOCKER_BUILDKIT: "0", DOCKER_CLI_HINTS: "false" });
  const cli = findTool("/usr/bin/docker") ?? findTool("docker") ?? "docker";
  return (args, timeoutMs) => mustRun(cli, args, { timeoutMs, env });
}

export { BERTH_BIN };

/** Median seconds of `reps` runs of `cli args` (a CLI's own start-up: `berth --version`, `docker version`). */
export async function startSeconds(cli: Cli, args: readonly string[], reps = 5): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) xs.push((await timed(() => cli(args, 30_000))).ms / 1000);
  return median(xs);
}
