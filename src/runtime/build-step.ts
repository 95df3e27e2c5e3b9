import { randomBytes } from "node:crypto";
import { lstat, mkdir, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join, posix } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { writeFileAtomic } from "../content/index.js";
import { BerthError, InvalidArgumentError } from "../oci/index.js";
import { warmCgroupMigration } from "./cgroup/migration-warmup.js";
import { etcFilesIn, writeEtcFiles } from "./etc-files.js";
import { classifyStartFailure, type StartFailureCode } from "./errors.js";
import { nofileHardLimit } from "./host-limits.js";
import { readImageAccounts } from "./internal/read-in-root.js";
import { resolveUser } from "./resolve-user.js";
import { Runc, runcStateDir, type RuncExit, type RuncRun } from "./runc.js";
import { buildRuntimeSpec } from "./runtime-spec.js";
import { loadSeccompProfile } from "./seccomp-loader.js";

/** A host path bound read-only into a build step. */
export interface BuildStepBind {
  /** Absolute host path: a file or a directory. */
  readonly source: string;
  /** Absolute path in the step; its mount point must exist in the rootfs (see {@link buildStepMountPoints}). */
  readonly destination: string;
}

/** A path runc mounts over in a step, which the rootfs must already hold so runc never creates it in the layer. */
export interface StepMountPoint {
  /** Absolute, clean path in the step. */
  readonly path: string;
  readonly kind: "file" | "directory";
}

/** Options for {@link runBuildStep}. */
export interface BuildStepOptions {
  /** The berth root: runc keeps its state in `<root>/runc`, as for containers. */
  readonly root: string;
  /** A directory of this step (created): config.json, hostname, hosts, resolv.conf, runc.log. */
  readonly bundleDir: string;
  /** The step's filesystem, already mounted (see mountStepRootfs in build); its mount points must exist. */
  readonly rootfs: string;
  /** The command, run directly (a shell-form RUN passes `[SHELL…, command]`). */
  readonly args: readonly string[];
  /** `NAME=value` entries as given: the image's Env plus build args. PATH, HOSTNAME and HOME get docker's defaults when absent. */
  readonly env: readonly string[];
  /** `USER`: `name`, `uid`, `uid:gid`, `name:group`, resolved in the rootfs's /etc/passwd and /etc/group; default root. */
  readonly user?: string;
  /** Absolute; made (root-owned, 0755) when missing, as docker does; default `/`. */
  readonly workdir?: string;
  /** `host` (default, as `docker build --network host`: the host's proxy is reachable) or `none`. */
  readonly network?: "host" | "none";
  readonly binds?: readonly BuildStepBind[];
  /** Pass the host's CA file (SSL_CERT_FILE, else NODE_EXTRA_CA_CERTS) into the step; see {@link hostPassThrough}. Default false. */
  readonly hostTrust?: boolean;
  /** Where proxy and CA variables are read; default process.env. */
  readonly hostEnv?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  readonly onStdout?: (chunk: Buffer) => void;
  readonly onStderr?: (chunk: Buffer) => void;
  /** A docker-format seccomp profile's path or `unconfined`; default as `berth run`. */
  readonly seccompProfile?: string;
  /** Default /usr/sbin/runc. */
  readonly runcBinary?: string;
}

/** How a step ended. */
export interface BuildStepResult {
  /** The command's exit code (128 + N when signal N ended it). */
  readonly exitCode: number;
  /** Names of the variables the host added (proxy, CA): the executor keeps them out of the image config. */
  readonly addedEnv: readonly string[];
}

/** What a step gets from the host besides its own env. */
export interface HostPassThrough {
  /** `NAME=value` entries; the step's own entries of the same name win. */
  readonly env: readonly string[];
  readonly binds: readonly BuildStepBind[];
}

/** The step's command could not be started (runc's report is the message). */
export class BuildStepStartError extends BerthError {
  constructor(readonly args: readonly string[], readonly exitCode: StartFailureCode, readonly runtimeMessage: string) {
    super(exitCode === 125 ? "INTERNAL" : "FAILED_PRECONDITION", `${JSON.stringify(args)}: did not start: ${runtimeMessage}`, {
      hint: exitCode === 127
        ? "check the command and the PATH of the image; in exec form give the program's absolute path"
        : exitCode === 126 ? "the file exists but cannot run: check its mode bits, its architecture and USER" : "see runc's message",
    });
  }
}

/**
 * Where the host's CA file appears in a step. Not the host's own path: that
 * is usually /etc/ssl/certs/ca-certificates.crt, which a bind would hide from
 * the image and on which update-ca-certificates (apt-get install
 * ca-certificates) would fail, as a mount point cannot be renamed over.
 */
export const HOST_CA_PATH = "/.berth-host-ca.pem";

const PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((n) => [n, n.toLowerCase()]);
const TRUST_VARIABLES = ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"];
const BASE_MOUNT_POINTS: readonly StepMountPoint[] = [
  ...["/dev", "/proc", "/sys"].map((path) => ({ path, kind: "directory" as const })),
  ...["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"].map((path) => ({ path, kind: "file" as const })),
];
/** How long an aborted step has to die from `runc kill` before runc itself is killed. */
const KILL_GRACE_MS = 10_000;

const nameOf = (entry: string): string => entry.split("=", 1)[0]!;

/**
 * What the host lends a step, as docker build does: the proxy variables
 * (HTTP_PROXY, HTTPS_PROXY, FTP_PROXY, NO_PROXY, ALL_PROXY, upper and lower
 * case) set in `hostEnv`; and with `hostTrust`, the first of SSL_CERT_FILE
 * and NODE_EXTRA_CA_CERTS that names an existing file (absolute path) bound at
 * {@link HOST_CA_PATH} and SSL_CERT_FILE, NODE_EXTRA_CA_CERTS,
 * REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE pointing at it. None of it belongs
 * in the image.
 */
export async function hostPassThrough(opts: Pick<BuildStepOptions, "hostTrust" | "hostEnv"> = {}): Promise<HostPassThrough> {
  const host = opts.hostEnv ?? process.env;
  const env = PROXY_VARIABLES.filter((n) => host[n] !== undefined && host[n] !== "").map((n) => `${n}=${host[n]}`);
  if (!opts.hostTrust) return { env, binds: [] };
  let file: string | undefined;
  for (const f of [host.SSL_CERT_FILE, host.NODE_EXTRA_CA_CERTS]) {
    if (file === undefined && f?.startsWith("/") && (await stat(f).then((s) => s.isFile(), () => false))) file = f;
  }
  if (file === undefined) return { env, binds: [] };
  return { env: [...env, ...TRUST_VARIABLES.map((n) => `${n}=${HOST_CA_PATH}`)], binds: [{ source: file, destination: HOST_CA_PATH }] };
}

/**
 * Every path runc mounts over in a step with these options: /dev, /proc,
 * /sys, /etc/hostname, /etc/hosts, /etc/resolv.conf, each bind's
 * destination (a file or a directory, as its source is) and the host CA
 * file's. The step's rootfs holds them below the image (the init layer), so
 * runc never makes them in the step's layer.
 */
export async function buildStepMountPoints(opts: Pick<BuildStepOptions, "binds" | "hostTrust" | "hostEnv"> = {}): Promise<StepMountPoint[]> {
  const binds = [...(opts.binds ?? []), ...(await hostPassThrough(opts)).binds];
  const extra = await Promise.all(binds.map(async (b): Promise<StepMountPoint> => ({
    path: posix.normalize(b.destination),
    kind: (await stat(b.source).catch(() => undefined))?.isDirectory() ? "directory" : "file",
  })));
  return [...BASE_MOUNT_POINTS, ...extra];
}

/**
 * Run one build step (docker's legacy builder: a container per RUN) to
 * completion with runc in the already mounted `rootfs`: docker's
 * capabilities and seccomp, as a `berth run` container; the host's network
 * or none; the hostname is the container id's first 12 hex digits, or the
 * host's name on the host network (docker's rule); /etc/hosts, resolv.conf
 * and hostname bound from files in `bundleDir`. Output goes to the
 * callbacks as it comes. runc's container is deleted whatever happens.
 *
 * Throws InvalidArgumentError for a bad option, an unknown USER or a
 * mount point missing in the rootfs (runc would make it in the layer),
 * BuildStepStartError when the command could not start, `signal.reason`
 * once an aborted step's processes are dead.
 */
export async function runBuildStep(opts: BuildStepOptions): Promise<BuildStepResult> {
  opts.signal?.throwIfAborted();
  // `runc run` moves the step's process into its cgroups: the kernel's wait for that starts now.
  void warmCgroupMigration();
  await checkOptions(opts);
  const passed = await hostPassThrough(opts);
  const own = new Set(opts.env.map(nameOf));
  const added = passed.env.filter((e) => !own.has(nameOf(e)));
  const accounts = await readImageAccounts(opts.rootfs);
  if (opts.user !== undefined) resolveUser(opts.user, "USER", accounts.passwd, accounts.group);
  const id = randomBytes(32).toString("hex");
  const network = opts.network ?? "host";
  const seccomp = await loadSeccompProfile(opts.seccompProfile);
  const bundle = opts.bundleDir;
  await mkdir(bundle, { recursive: true });
  // runc appends to its log, and a stale error there would read as this step's start failure.
  await rm(join(bundle, "runc.log"), { force: true });
  const spec = buildRuntimeSpec({
    id,
    options: {
      cmd: opts.args, entrypoint: [], env: [...added, ...opts.env], workdir: opts.workdir ?? "/", network,
      ...(opts.user !== undefined && { user: opts.user }),
      binds: [...(opts.binds ?? []), ...passed.binds].map((b) => ({ source: b.source, destination: b.destination, readOnly: true })),
    },
    ...accounts,
    nofileHardLimit: await nofileHardLimit(),
    hostHostname: hostname(),
    etcFiles: etcFilesIn(bundle),
    ...(seccomp && { seccomp }),
  });
  await writeEtcFiles(etcFilesIn(bundle), spec.hostname ?? id.slice(0, 12), network);
  await writeFileAtomic(join(bundle, "config.json"), JSON.stringify({ ...spec, root: { path: opts.rootfs, readonly: false } }), { durable: false });
  const runc = new Runc({ stateDir: runcStateDir(opts.root), ...(opts.runcBinary !== undefined && { binary: opts.runcBinary }) });
  try {
    const exit = await runToEnd(runc, id, opts, spec.linux.cgroupsPath);
    if (exit.startError !== undefined) throw new BuildStepStartError(opts.args, classifyStartFailure(exit.startError), exit.startError);
    return { exitCode: exit.code, addedEnv: added.map(nameOf) };
  } finally {
    await runc.delete(id, { cgroupsPath: spec.linux.cgroupsPath });
  }
}

async function checkOptions(opts: BuildStepOptions): Promise<void> {
  if (opts.args.length === 0 || opts.args[0] === "") throw new InvalidArgumentError("RUN: no command given", { hint: "RUN needs a command" });
  if (opts.workdir !== undefined && !opts.workdir.startsWith("/")) {
    throw new InvalidArgumentError(`WORKDIR ${opts.workdir}: must be an absolute path`);
  }
  const bad = opts.env.findIndex((e) => nameOf(e) === "" || !e.includes("="));
  if (bad >= 0) throw new InvalidArgumentError(`env[${bad}]: must be "NAME=value", got ${JSON.stringify(opts.env[bad])}`);
  for (const b of opts.binds ?? []) {
    if (!b.source.startsWith("/") || !b.destination.startsWith("/") || b.destination.split("/").includes("..") || posix.normalize(b.destination) === "/") {
      throw new InvalidArgumentError(`bind ${b.source}:${b.destination}: both paths must be absolute, the destination below / and without ".."`);
    }
  }
  if (!(await stat(opts.rootfs).then((s) => s.isDirectory(), () => false))) {
    throw new InvalidArgumentError(`rootfs ${opts.rootfs}: not a directory`, { hint: "mount the step's rootfs first" });
  }
  for (const m of await buildStepMountPoints(opts)) {
    if (!(await lstat(join(opts.rootfs, m.path)).then(() => true, () => false))) {
      throw new InvalidArgumentError(`rootfs ${opts.rootfs}: no mount point ${m.path}; runc would make it in the step's layer`, {
        hint: "mount the rootfs with the step's mount points (buildStepMountPoints)",
      });
    }
  }
}

/**
 * `runc run` in the foreground; on abort, kill the container's processes,
 * then settle with the signal's reason. A throwing output callback stops
 * getting output, and its error is thrown once the step has ended: a
 * stream error here would have no listener and end the process.
 */
async function runToEnd(runc: Runc, id: string, opts: BuildStepOptions, cgroupsPath: string): Promise<RuncExit> {
  let failed: { error: unknown } | undefined;
  const sink = (to: ((chunk: Buffer) => void) | undefined): Writable => new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        if (failed === undefined) to?.(chunk);
      } catch (error) {
        failed = { error };
      }
      cb();
    },
  });
  const run = runc.run(opts.bundleDir, id, { stdout: sink(opts.onStdout), stderr: sink(opts.onStderr) });
  const signal = opts.signal;
  const onAbort = (): void => void stopStep(runc, id, run, cgroupsPath);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    const exit = await run.exited;
    signal?.throwIfAborted();
    if (failed !== undefined) throw failed.error;
    return exit;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Kill every process of the step. Signals to runc itself would not do: the
 * command is pid 1 of its namespace and ignores what it has no handler for.
 * The container may not exist yet when the abort comes, so `runc kill` is
 * repeated until runc returns; after the grace period runc is killed and the
 * container deleted by force (its processes hold runc's output pipes open).
 */
async function stopStep(runc: Runc, id: string, run: RuncRun, cgroupsPath: string): Promise<void> {
  let done = false;
  void run.exited.finally(() => (done = true)).catch(() => undefined);
  const deadline = Date.now() + KILL_GRACE_MS;
  while (!done && Date.now() < deadline) {
    await runc.kill(id, "KILL", true).catch(() => false);
    await Promise.race([run.exited.catch(() => undefined), sleep(100)]);
  }
  if (done) return;
  run.kill("SIGKILL");
  await runc.delete(id, { cgroupsPath }).catch(() => undefined);
}
