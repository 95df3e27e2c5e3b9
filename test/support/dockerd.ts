import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pidsWithCommandLine, terminate } from "./process.js";
import { findTool } from "./require-root.js";
import { run, type RunOptions, type RunResult } from "./run.js";
import { unmountUnder } from "./unmount.js";

/** Options for {@link startDockerd}. */
export interface DockerdOptions {
  /** An empty directory this daemon owns (e.g. from tempDir); see the tree in {@link startDockerd}. */
  readonly dir: string;
  /** `host:port` entries for `--insecure-registry`. 127.0.0.0/8 is insecure already. */
  readonly insecureRegistries?: readonly string[];
  /** `--storage-driver`; default overlay2 (vfs also works, slower and bigger). */
  readonly storageDriver?: string;
  /** How long to wait for the API to answer; default 60 000 ms. */
  readonly startTimeoutMs?: number;
  /** The docker CLI to drive it with; default /usr/bin/docker (the client shipped with this dockerd), else PATH. */
  readonly dockerCli?: string;
}

/** A running dockerd. Stop it with {@link StartedDockerd.stop} in a finally block. */
export interface StartedDockerd extends AsyncDisposable {
  /** `unix://<dir>/docker.sock`, for DOCKER_HOST. */
  readonly host: string;
  readonly pid: number;
  /** The daemon's `--data-root`. */
  readonly dataRoot: string;
  /** dockerd's (and its containerd's) stdout and stderr. */
  readonly logFile: string;
  /** Run the docker CLI against this daemon with a private DOCKER_CONFIG; resolves whatever the exit code. */
  docker(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** The last `lines` lines of {@link logFile}. */
  logTail(lines?: number): Promise<string>;
  /**
   * Leave swarm mode if active (removing the host's docker_gwbridge), then
   * SIGTERM dockerd (it stops containers and its containerd), SIGKILL after
   * 30 s; then kill what a killed daemon leaves (runc containers, containerd,
   * shims, found by this daemon's own paths), unmount everything under `dir`
   * and delete the data and exec roots. The log stays. Safe to call twice.
   */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DOCKERD = "/usr/sbin/dockerd";
/** Unix socket paths are limited to 108 bytes including the NUL (sun_path). */
const MAX_SOCKET_PATH = 107;
/** Containers get this long to stop when the daemon shuts down (dockerd's default is 15 s). */
const SHUTDOWN_TIMEOUT_S = 5;

/**
 * Start a real dockerd that shares nothing with a system daemon:
 *
 * ```
 * <dir>/
 *   daemon.json    only "deprecated-key-path", so the trust key is not written to /etc/docker
 *   docker.sock    -H unix://…
 *   docker.pid     --pidfile
 *   dockerd.log    stdout and stderr
 *   data/          --data-root (bind-mounted on itself by dockerd; overlay2 layers)
 *   exec/          --exec-root: containerd/containerd.sock (dockerd starts its own containerd
 *                  here), runtime-runc/moby (runc state), netns/
 *   docker-config/ DOCKER_CONFIG of the CLI
 * ```
 *
 * No bridge, no iptables rules, no sysctl changes: run containers with
 * `--network none`. Resolves once `docker version` answers; on failure or
 * timeout stops what it started and throws with the tail of the log.
 */
export async function startDockerd(opts: DockerdOptions): Promise<StartedDockerd> {
  const { dir } = opts;
  const execRoot = join(dir, "exec");
  const socketProbe = join(execRoot, "containerd", "containerd.sock.ttrpc");
  if (Buffer.byteLength(socketProbe) > MAX_SOCKET_PATH) {
    throw new Error(
      `startDockerd: dir ${dir} is too long for containerd's socket ${socketProbe} (over ${MAX_SOCKET_PATH} bytes); use a shorter temp dir`,
    );
  }
  const dataRoot = join(dir, "data");
  const logFile = join(dir, "dockerd.log");
  const configDir = join(dir, "docker-config");
  await Promise.all([dataRoot, execRoot, configDir].map((d) => mkdir(d, { recursive: true })));
  await writeFile(join(dir, "daemon.json"), JSON.stringify({ "deprecated-key-path": join(dir, "key.json") }));

  const args = [
    "--config-file", join(dir, "daemon.json"),
    "--data-root", dataRoot,
    "--exec-root", execRoot,
    "--pidfile", join(dir, "docker.pid"),
    "-H", `unix://${join(dir, "docker.sock")}`,
    "--bridge=none",
    "--iptables=false",
    "--ip6tables=false",
    "--ip-forward=false",
    "--storage-driver", opts.storageDriver ?? "overlay2",
    "--shutdown-timeout", String(SHUTDOWN_TIMEOUT_S),
    ...(opts.insecureRegistries ?? []).flatMap((r) => ["--insecure-registry", r]),
  ];
  const log = openSync(logFile, "a");
  const child = spawn(DOCKERD, args, { stdio: ["ignore", log, log], env: daemonEnv() });
  closeSync(log);
  let exit: string | undefined;
  child.on("exit", (code, signal) => (exit = signal ?? `code ${code}`));
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", resolve);
  });
  if (spawned !== undefined || child.pid === undefined) {
    throw new Error(`startDockerd: cannot start ${DOCKERD}: ${spawned?.message ?? "no pid"}`, {
      cause: spawned,
    });
  }

  const started = makeStarted(child.pid, opts, { dataRoot, execRoot, logFile, configDir });
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit !== undefined) {
      await started.stop();
      throw new Error(`startDockerd: dockerd exited (${exit}) before answering; ${logFile} ends:\n${await started.logTail()}`);
    }
    const probe = await started.docker(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 5_000 });
    if (probe.code === 0) return started;
    if (Date.now() >= deadline) {
      const tail = await started.logTail();
      await started.stop();
      throw new Error(`startDockerd: no answer on ${started.host} after ${timeoutMs} ms (${probe.stderr.trim()}); ${logFile} ends:\n${tail}`);
    }
    await sleep(250);
  }
}

interface DockerdPaths {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly logFile: string;
  readonly configDir: string;
}

function makeStarted(pid: number, opts: DockerdOptions, paths: DockerdPaths): StartedDockerd {
  const host = `unix://${join(opts.dir, "docker.sock")}`;
  const cli = opts.dockerCli ?? findTool("/usr/bin/docker") ?? findTool("docker") ?? "docker";
  const cliEnv = { ...daemonEnv(), DOCKER_HOST: host, DOCKER_CONFIG: paths.configDir, DOCKER_CLI_HINTS: "false" };
  let stopping: Promise<void> | undefined;
  const docker = (args: readonly string[], runOpts: RunOptions = {}): Promise<RunResult> =>
    run(cli, args, { ...runOpts, env: { ...cliEnv, ...runOpts.env } });
  const stop = (): Promise<void> => (stopping ??= leaveSwarm(docker).catch(() => undefined).then(() => stopDockerd(pid, opts.dir, paths)));
  return {
    host,
    pid,
    dataRoot: paths.dataRoot,
    logFile: paths.logFile,
    docker,
    logTail: async (lines = 40) => {
      const text = await readFile(paths.logFile, "utf8").catch(() => "");
      return text.trimEnd().split("\n").slice(-lines).join("\n");
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Swarm mode creates a host bridge named docker_gwbridge, shared by name by
 * every daemon, which outlives dockerd; leave the swarm and remove it while
 * the daemon still answers. Best effort: a dead daemon is handled by stopDockerd.
 */
async function leaveSwarm(docker: StartedDockerd["docker"]): Promise<void> {
  const state = await docker(["info", "--format", "{{.Swarm.LocalNodeState}}"], { timeoutMs: 10_000 }).catch(() => undefined);
  if (state?.code !== 0 || state.stdout.trim() === "inactive") return;
  await docker(["swarm", "leave", "--force"], { timeoutMs: 30_000 });
  await docker(["network", "rm", "docker_gwbridge"], { timeoutMs: 30_000 });
}

async function stopDockerd(pid: number, dir: string, paths: DockerdPaths): Promise<void> {
  await terminate(pid, 30_000);
  // After a SIGKILL, containers, containerd and its shims outlive dockerd; each carries our exec root in its state or command line.
  const runc = findTool("runc");
  const runcRoot = join(paths.execRoot, "runtime-runc", "moby");
  const listed = runc === undefined ? undefined : await run(runc, ["--root", runcRoot, "list", "--quiet"], { timeoutMs: 30_000 });
  for (const id of listed?.code === 0 ? listed.stdout.split("\n").filter((l) => l !== "") : []) {
    await run(runc ?? "runc", ["--root", runcRoot, "delete", "--force", id], { timeoutMs: 30_000 });
  }
  for (const leftover of await pidsWithCommandLine(`${join(paths.execRoot, "containerd")}/`)) {
    await terminate(leftover, 5_000);
  }
  await unmountUnder(dir);
  await rm(paths.dataRoot, { recursive: true, force: true, maxRetries: 3 });
  await rm(paths.execRoot, { recursive: true, force: true, maxRetries: 3 });
}

/** This process's environment without DOCKER_* (a caller's DOCKER_HOST or context must not leak in), with sbin on PATH. */
function daemonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("DOCKER_")) env[key] = value;
  }
  env.PATH = [env.PATH, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"].filter(Boolean).join(":");
  return env;
}
