import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.js";
import { terminate } from "./process.js";

/** Options for {@link startDistribution}. */
export interface DistributionOptions {
  /** An empty directory this registry owns; see the tree in {@link startDistribution}. */
  readonly dir: string;
  /** How long to wait for `GET /v2/` to answer 200; default 30 000 ms. */
  readonly startTimeoutMs?: number;
}

/** A running CNCF distribution registry. Stop it with {@link StartedDistribution.stop} in a finally block. */
export interface StartedDistribution extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `127.0.0.1:<port>`, the registry part of an image reference. */
  readonly host: string;
  readonly pid: number;
  /** The filesystem driver's root directory. */
  readonly storageDir: string;
  readonly logFile: string;
  /** SIGTERM the registry, SIGKILL after 10 s. Leaves `dir` for the caller to delete. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const REGISTRY = "/usr/bin/docker-registry";
/** Another process may take the free port before the registry binds it; try a new one this many times. */
const ATTEMPTS = 3;

/**
 * Start Debian's `docker-registry serve` (CNCF distribution 2.8) on
 * 127.0.0.1 and a free port, plain HTTP, filesystem storage, deletes enabled:
 *
 * ```
 * <dir>/
 *   config.yml     written here (JSON, which is YAML)
 *   registry.log   stdout and stderr
 *   storage/       storage.filesystem.rootdirectory
 * ```
 *
 * Resolves once `GET /v2/` answers 200; otherwise stops the process and
 * throws with the tail of the log.
 */
export async function startDistribution(opts: DistributionOptions): Promise<StartedDistribution> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, await freePort());
    } catch (err) {
      if (attempt >= ATTEMPTS || !(err instanceof Error) || !err.message.includes("address already in use")) throw err;
    }
  }
}

async function startOnce(opts: DistributionOptions, port: number): Promise<StartedDistribution> {
  const storageDir = join(opts.dir, "storage");
  const configFile = join(opts.dir, "config.yml");
  const logFile = join(opts.dir, "registry.log");
  await mkdir(storageDir, { recursive: true });
  await writeFile(configFile, JSON.stringify(registryConfig(storageDir, port), null, 2));

  const log = openSync(logFile, "a");
  const child = spawn(REGISTRY, ["serve", configFile], { stdio: ["ignore", log, log], env: registryEnv() });
  closeSync(log);
  let exit: string | undefined;
  child.on("exit", (code, signal) => (exit = signal ?? `code ${code}`));
  const spawnError = await new Promise<Error | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", resolve);
  });
  if (spawnError !== undefined || child.pid === undefined) {
    throw new Error(`startDistribution: cannot start ${REGISTRY}: ${spawnError?.message ?? "no pid"}`, { cause: spawnError });
  }
  const pid = child.pid;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= terminate(pid, 10_000));
  const host = `127.0.0.1:${port}`;
  const started: StartedDistribution = {
    url: `http://${host}`, host, pid, storageDir, logFile, stop, [Symbol.asyncDispose]: stop,
  };

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (exit === undefined && Date.now() < deadline) {
    try {
      const res = await fetch(`${started.url}/v2/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return started;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  await stop();
  const tail = (await readFile(logFile, "utf8").catch(() => "")).trimEnd().split("\n").slice(-20).join("\n");
  const why = exit === undefined ? `GET /v2/ gave no 200 within ${timeoutMs} ms (${last})` : `exited (${exit})`;
  throw new Error(`startDistribution: registry on ${host} ${why}; ${logFile} ends:\n${tail}`);
}

/** Configuration for distribution 2.8; see its docs/configuration.md. */
function registryConfig(storageDir: string, port: number): object {
  return {
    version: 0.1,
    log: { level: "info", accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: storageDir },
      delete: { enabled: true },
      // No background purge of upload dirs: it would race with a test that inspects storage.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${port}`, headers: { "X-Content-Type-Options": ["nosniff"] } },
  };
}

/** This process's environment without REGISTRY_*, which distribution reads as config overrides. */
function registryEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("REGISTRY_")) env[key] = value;
  }
  return env;
}
