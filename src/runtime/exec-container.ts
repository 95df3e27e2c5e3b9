import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "../oci/index.js";
import { warmCgroupMigration } from "./cgroup/migration-warmup.js";
import type { ContainerRecord } from "./container-record.js";
import { currentState } from "./container-status.js";
import { execDetached, execMonitored } from "./exec-monitored.js";
import { openOutputFifos } from "./output-fifos.js";
import { execStartError } from "./errors.js";
import { lastRuntimeError } from "./runc.js";
import { resolveUser } from "./resolve-user.js";
import { trace } from "./internal/trace.js";
import { readImageAccounts } from "./internal/read-in-root.js";
import { ContainerStateError, type RuntimeContext } from "./runtime-context.js";
import type { SpecProcess } from "./spec-types.js";

/** docker exec's options. */
export interface ExecOptions {
  /** `-d`: resolve (0) once the command runs; it goes on under its own conmon, its output dropped. Not with -t. */
  readonly detach?: boolean;
  readonly tty?: boolean;
  /** Keep stdin open (`-i`): berth's stdin is the process's. */
  readonly interactive?: boolean;
  /** `NAME=value`, added to the container's environment. */
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
  /** Collect stdout and stderr (at most `maxBytes`) here instead of writing them to berth's: the health check's output. Not with -i/-t. */
  readonly capture?: { readonly chunks: Buffer[]; readonly maxBytes: number };
  /** Kill the command (SIGKILL; with -i/-t, runc exec) after this long. */
  readonly timeoutMs?: number;
  /** Kill the command (SIGKILL) when this aborts: a caller that must tell its own deadline from an exit checks `signal.aborted`. */
  readonly signal?: AbortSignal;
  /**
   * Without `-i`/`-t`: called once, before the command starts, with a
   * function that sends it a signal (held until it runs; once it has
   * ended, the signal stops the wait for what it left holding its output).
   * With them, runc is in berth's process group and gets the terminal's
   * signals itself.
   */
  readonly onStart?: (kill: (signal: NodeJS.Signals) => void) => void;
}

/**
 * docker exec: the container's process (env, user, capabilities, rlimits)
 * with the command. Without `-i`/`-t` under a conmon of its own
 * (execMonitored), so what the command leaves running outlives the exec,
 * as under docker's shim; with them `runc exec --process` in the
 * foreground, stdio inherited (runc makes and proxies the terminal for
 * `-t`). Resolves to the command's exit code; rejects with
 * ContainerStartError (126, as docker's exec, whether not found or not executable) when it cannot run, ContainerStateError
 * unless the container is running.
 */
export async function execInContainer(ctx: RuntimeContext, record: ContainerRecord, cmd: readonly string[], opts: ExecOptions = {}): Promise<number> {
  if (cmd.length === 0 || cmd[0] === "") throw new InvalidArgumentError("exec: no command given", { hint: "berth exec CONTAINER COMMAND [ARG…]" });
  if (opts.detach && opts.tty) throw new InvalidArgumentError("exec -d -t: a detached command gets no terminal here", { hint: "leave out -t" });
  const dir = ctx.dir(record.id);
  const tag = randomBytes(6).toString("hex");
  // Made while the container and the process are looked at: mkfifo is one more program start.
  const pipes = !opts.tty && !opts.interactive && !opts.detach ? openOutputFifos([join(dir, `exec-${tag}.out`), join(dir, `exec-${tag}.err`)]) : undefined;
  pipes?.catch(() => undefined);
  const processFile = join(dir, `exec-${tag}.json`);
  const log = join(dir, `exec-${tag}.log`);
  try {
    await writeFile(processFile, JSON.stringify(await execProcess(ctx, record, cmd, opts)));
  } catch (e) {
    await pipes?.then((p) => p.close(), () => undefined);
    throw e;
  }
  trace("exec: process written");
  const files = {
    processFile,
    runtimeLog: log,
    tag,
    remove: async () => void (await Promise.all([processFile, log, join(dir, `exec-${tag}.pid`)].map((f) => rm(f, { force: true })))),
  };
  if (opts.detach) {
    try {
      await execDetached(ctx, record, files);
      return 0;
    } finally {
      await files.remove();
    }
  }
  if (pipes !== undefined) {
    try {
      return await execMonitored(ctx, record, await pipes, files, opts);
    } finally {
      await files.remove();
    }
  }
  try {
    let runcSaid = "";
    const code = await new Promise<number>((resolve, reject) => {
      const args = ["--root", ctx.runtimeOf(record).opts.stateDir, "--log", log, "--log-format", "json", "exec", "--process", processFile, ...(opts.tty ? ["-t"] : []), record.id];
      // With -t the command's output comes through the terminal: on stderr is runc's alone, told below (once) when it failed.
      const child = spawn(ctx.runtimeOf(record).binary, args, { stdio: ["inherit", "inherit", opts.tty ? "pipe" : "inherit"] });
      child.stderr?.on("data", (b: Buffer) => void (runcSaid += b.toString("utf8")));
      const abort = (): void => void child.kill("SIGKILL");
      const timer = opts.timeoutMs !== undefined ? setTimeout(abort, opts.timeoutMs) : undefined;
      if (opts.signal?.aborted) abort();
      opts.signal?.addEventListener("abort", abort, { once: true });
      child.on("error", reject);
      child.on("close", (c, signal) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", abort);
        resolve(c ?? (signal === "SIGKILL" ? 137 : 128 + 15));
      });
    });
    if (code !== 0) {
      const failure = await lastRuntimeError(log);
      if (failure !== undefined && /exec failed|unable to start container process/.test(failure)) {
        throw execStartError(record.id, failure);
      }
    }
    process.stderr.write(runcSaid);
    return code;
  } finally {
    await rm(processFile, { force: true });
    await rm(log, { force: true });
  }
}

/** The container's process (env, user, capabilities, rlimits) with the command, `-e`, `-u` and `-w`; the container must be running. */
async function execProcess(ctx: RuntimeContext, record: ContainerRecord, cmd: readonly string[], opts: ExecOptions): Promise<SpecProcess> {
  const dir = ctx.dir(record.id);
  const state = await currentState(ctx, record);
  if (state.status !== "running") throw new ContainerStateError(record.id, `is not running (${state.status})`, "start it first: berth start " + (record.name ?? record.id.slice(0, 12)));
  // runc exec moves the command into the container's cgroups: the kernel's wait for that starts now.
  void warmCgroupMigration();
  const spec = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as { process: SpecProcess };
  let user = spec.process.user;
  if (opts.user !== undefined) {
    const rootfs = join(dir, "rootfs");
    const { passwd, group } = await readImageAccounts(rootfs);
    const u = resolveUser(opts.user, "-u", passwd, group);
    user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length > 0 && { additionalGids: u.additionalGids }) };
  }
  const env = new Map(spec.process.env.map((e) => [e.slice(0, e.indexOf("=")), e] as const));
  for (const e of opts.env ?? []) env.set(e.slice(0, e.indexOf("=")), e);
  return {
    ...spec.process,
    terminal: opts.tty === true,
    args: [...cmd],
    env: [...env.values()],
    cwd: opts.workdir ?? spec.process.cwd,
    user,
  };
}
