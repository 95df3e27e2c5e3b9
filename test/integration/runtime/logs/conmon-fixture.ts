import { spawn } from "node:child_process";
import { copyFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, terminate } from "../../../support/process.js";
import { isRoot, missingTools } from "../../../support/require-root.js";
import { describeResult, run } from "../../../support/run.js";

export const CONMON = "/usr/bin/conmon";
export const RUNC = "/usr/sbin/runc";
const BUSYBOX = "/bin/busybox";

/** Why conmon containers cannot run here, or undefined when they can. */
export function conmonUnsupported(): string | undefined {
  if (!isRoot()) return `needs root (uid 0), running as uid ${process.getuid?.() ?? "unknown"}`;
  const missing = missingTools([CONMON, RUNC, BUSYBOX]);
  return missing.length > 0 ? `needs ${missing.join(", ")} (apt-get install conmon runc busybox-static)` : undefined;
}

/** Options for {@link createConmonContainer}. */
export interface ConmonOptions {
  /** conmon's --log-size-max in bytes; none when left out. */
  readonly logSizeMax?: number;
}

/** A container created by runc under conmon, not yet started. */
export interface ConmonContainer {
  readonly id: string;
  readonly bundle: string;
  readonly logPath: string;
  readonly exitFile: string;
  /** The exact conmon command line used (for the README and the report). */
  readonly conmonArgs: readonly string[];
  /** `runc start`: the command begins to run. */
  start(): Promise<void>;
  /** The exit code conmon wrote to its exit file; fails after `timeoutMs`. */
  waitExit(timeoutMs?: number): Promise<number>;
  /** runc delete -f, then stop conmon by its PID if it still runs. Safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Make a runc bundle under `base` (busybox rootfs with /tmp, `runc spec`
 * config running `/bin/sh -c script`, no terminal, writable root), start conmon on it in the background
 * (conmon runs `runc create`), and wait for conmon's report of the
 * container's PID on the sync pipe. Runtime state goes to `base/runc`.
 */
export async function createConmonContainer(base: string, id: string, script: string, opts: ConmonOptions = {}): Promise<ConmonContainer> {
  const bundle = join(base, id);
  const state = join(base, "runc");
  const exits = join(base, "exits");
  const sockets = join(base, "sockets");
  await Promise.all([
    mkdir(join(bundle, "rootfs", "bin"), { recursive: true }), mkdir(join(bundle, "rootfs", "tmp"), { recursive: true }),
    mkdir(exits, { recursive: true }), mkdir(sockets, { recursive: true }),
  ]);
  await copyFile(BUSYBOX, join(bundle, "rootfs", "bin", "busybox"));
  await symlink("busybox", join(bundle, "rootfs", "bin", "sh"));
  const spec = await run(RUNC, ["spec", "--bundle", bundle], { timeoutMs: 30_000 });
  if (spec.code !== 0) throw new Error(describeResult(spec));
  const config = JSON.parse(await readFile(join(bundle, "config.json"), "utf8")) as { process: { terminal: boolean; args: string[] }; root: { readonly: boolean } };
  config.process.terminal = false;
  config.root.readonly = false;
  config.process.args = ["/bin/sh", "-c", script];
  await writeFile(join(bundle, "config.json"), JSON.stringify(config, null, 2));

  const logPath = join(bundle, "ctr.log");
  const conmonArgs = [
    "--api-version", "1", "-c", id, "-u", id, "-n", id,
    "-r", RUNC, "--runtime-arg", "--root", "--runtime-arg", state,
    "-b", bundle, "-p", join(bundle, "pidfile"), "-P", join(bundle, "conmon.pid"),
    "--exit-dir", exits, "--socket-dir-path", sockets,
    "-l", `k8s-file:${logPath}`, ...(opts.logSizeMax !== undefined ? ["--log-size-max", String(opts.logSizeMax)] : []),
    "--log-level", "info",
  ];
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await run(RUNC, ["--root", state, "delete", "-f", id], { timeoutMs: 30_000 });
    const pid = Number(await readFile(join(bundle, "conmon.pid"), "utf8").catch(() => "0"));
    if (pid > 0 && (await isAlive(pid))) await terminate(pid, 5_000);
  };
  try {
    await startConmon(conmonArgs, bundle);
  } catch (e) {
    await remove();
    throw e;
  }
  const exitFile = join(exits, id);
  return {
    id, bundle, logPath, exitFile, conmonArgs, remove,
    async start() {
      const r = await run(RUNC, ["--root", state, "start", id], { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(describeResult(r));
    },
    async waitExit(timeoutMs = 30_000) {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(50)) {
        // conmon writes the file atomically (g_file_set_contents) after draining the container's output.
        const text = await readFile(exitFile, "utf8").catch(() => undefined);
        if (text !== undefined) return Number(text);
      }
      throw new Error(`container ${id}: no exit file ${exitFile} after ${timeoutMs} ms`);
    },
  };
}

/**
 * Run conmon with a sync pipe on fd 3 (`_OCI_SYNCPIPE=3`): conmon's parent
 * exits at once, and its daemon writes `{"data": PID}` there once `runc
 * create` is done, or `{"data": -1, "message": …}` when it failed. Without
 * the pipe a caller cannot tell when `runc start` may be called.
 */
async function startConmon(args: readonly string[], cwd: string): Promise<number> {
  // conmon writes an `oom` file into its working directory when the container's memory cgroup fires: keep it in the bundle.
  const child = spawn(CONMON, args, { cwd, stdio: ["ignore", "pipe", "pipe", "pipe"], env: { ...process.env, _OCI_SYNCPIPE: "3" } });
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  child.stdout?.resume();
  const sync = child.stdio[3];
  if (sync === null || sync === undefined || !("on" in sync)) throw new Error("conmon: no sync pipe");
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => reject(new Error(`conmon: no report on the sync pipe after 30 s; stderr: ${stderr}`)), 30_000);
      sync.on("data", (b: Buffer) => {
        text += b.toString();
        if (text.includes("\n")) {
          clearTimeout(timer);
          resolve(text.slice(0, text.indexOf("\n")));
        }
      });
      sync.on("end", () => {
        clearTimeout(timer);
        reject(new Error(`conmon: sync pipe closed without a report; stderr: ${stderr}`));
      });
    });
    const report = JSON.parse(line) as { data: number; message?: string };
    if (report.data <= 0) throw new Error(`conmon: runc create failed: ${report.message ?? line}`);
    return report.data;
  } finally {
    sync.destroy();
  }
}
