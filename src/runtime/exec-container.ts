import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "../oci/index.js";
import { warmCgroupMigration } from "./cgroup/migration-warmup.js";
import type { ContainerRecord } from "./container-record.js";
import { currentState } from "./container-status.js";
import { classifyStartFailure, ContainerStartError } from "./errors.js";
import { lastRuntimeError } from "./runc.js";
import { resolveUser } from "./resolve-user.js";
import { readImageAccounts } from "./internal/read-in-root.js";
import { ContainerStateError, type RuntimeContext } from "./runtime-context.js";
import type { SpecProcess } from "./spec-types.js";

/** docker exec's options. */
export interface ExecOptions {
  readonly tty?: boolean;
  /** Keep stdin open (`-i`): berth's stdin is the process's. */
  readonly interactive?: boolean;
  /** `NAME=value`, added to the container's environment. */
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
  /** Collect stdout and stderr (at most `maxBytes`) here instead of inheriting them: the health check's output. */
  readonly capture?: { readonly chunks: Buffer[]; readonly maxBytes: number };
  /** Kill runc exec (and so the command) after this long. */
  readonly timeoutMs?: number;
  /** Kill runc exec (and so the command) when this aborts: a caller that must tell its own deadline from an exit checks `signal.aborted`. */
  readonly signal?: AbortSignal;
}

/**
 * docker exec in the foreground: `runc exec --process` with the container's
 * process (env, user, capabilities, rlimits) and the command, stdio
 * inherited (runc makes and proxies the terminal for `-t`). Resolves to the
 * command's exit code; rejects with ContainerStartError (126/127) when it
 * cannot run, ContainerStateError unless the container is running.
 */
export async function execInContainer(ctx: RuntimeContext, record: ContainerRecord, cmd: readonly string[], opts: ExecOptions = {}): Promise<number> {
  if (cmd.length === 0 || cmd[0] === "") throw new InvalidArgumentError("exec: no command given", { hint: "berth exec CONTAINER COMMAND [ARG…]" });
  const state = await currentState(ctx, record);
  if (state.status !== "running") throw new ContainerStateError(record.id, `is not running (${state.status})`, "start it first: berth start " + (record.name ?? record.id.slice(0, 12)));
  // runc exec moves the command into the container's cgroups: the kernel's wait for that starts now.
  void warmCgroupMigration();
  const dir = ctx.dir(record.id);
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
  const proc: SpecProcess = {
    ...spec.process,
    terminal: opts.tty === true,
    args: [...cmd],
    env: [...env.values()],
    cwd: opts.workdir ?? spec.process.cwd,
    user,
  };
  const tag = randomBytes(6).toString("hex");
  const processFile = join(dir, `exec-${tag}.json`);
  const log = join(dir, `exec-${tag}.log`);
  await writeFile(processFile, JSON.stringify(proc));
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const args = ["--root", ctx.runtimeOf(record).opts.stateDir, "--log", log, "--log-format", "json", "exec", "--process", processFile, ...(opts.tty ? ["-t"] : []), record.id];
      const capture = opts.capture;
      const child = spawn(ctx.runtimeOf(record).binary, args, {
        stdio: [opts.interactive || opts.tty ? "inherit" : "ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
      });
      if (capture) {
        let kept = 0;
        const keep = (b: Buffer): void => {
          if (kept < capture.maxBytes) capture.chunks.push(b.subarray(0, capture.maxBytes - kept));
          kept += b.length;
        };
        child.stdout?.on("data", keep);
        child.stderr?.on("data", keep);
      }
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
        throw new ContainerStartError(record.id, classifyStartFailure(failure), failure);
      }
    }
    return code;
  } finally {
    await rm(processFile, { force: true });
    await rm(log, { force: true });
  }
}
