import { spawn } from "node:child_process";
import { copyFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { assertSucceeded, run } from "../../../support/run.js";
import { BUSYBOX } from "./cgroup-fixture.js";

export const RUNC = "/usr/sbin/runc";

/** What the container runs and how it is limited. */
export interface BundleOptions {
  readonly args: readonly string[];
  readonly cgroupsPath: string;
  readonly memoryBytes?: number;
  readonly pids?: number;
}

/**
 * A runc bundle in `dir`: runc's own default spec (`runc spec`), a rootfs of
 * the host's static busybox, and the given command, cgroupsPath and limits.
 * Memory+swap equals the memory limit, so going over it means an OOM kill.
 */
export async function makeBusyboxBundle(dir: string, opts: BundleOptions): Promise<string> {
  const rootfs = join(dir, "rootfs");
  await mkdir(join(rootfs, "bin"), { recursive: true });
  for (const d of ["proc", "dev", "sys", "tmp"]) await mkdir(join(rootfs, d), { recursive: true });
  await copyFile(BUSYBOX, join(rootfs, "bin", "busybox"));
  await symlink("busybox", join(rootfs, "bin", "sh"));
  assertSucceeded(await run(RUNC, ["spec", "--bundle", dir], { timeoutMs: 30_000 }));
  const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as {
    process: { terminal: boolean; args: readonly string[] };
    linux: { cgroupsPath?: string; resources?: Record<string, unknown> };
  };
  config.process.terminal = false;
  config.process.args = opts.args;
  config.linux.cgroupsPath = opts.cgroupsPath;
  config.linux.resources = {
    ...config.linux.resources,
    ...(opts.memoryBytes === undefined ? {} : { memory: { limit: opts.memoryBytes, swap: opts.memoryBytes } }),
    ...(opts.pids === undefined ? {} : { pids: { limit: opts.pids } }),
  };
  await writeFile(join(dir, "config.json"), JSON.stringify(config, null, 2));
  return dir;
}

/** The pid of the container's init, from `runc state`, and its status. */
export async function runcState(stateDir: string, id: string): Promise<{ pid: number; status: string }> {
  const r = assertSucceeded(await run(RUNC, ["--root", stateDir, "state", id], { timeoutMs: 30_000 }));
  const state = JSON.parse(r.stdout) as { pid: number; status: string };
  return { pid: state.pid, status: state.status };
}

/**
 * `runc run -d`: start the container in the background and return once runc
 * has. Its stdio is /dev/null: a pipe would be held open by the container's
 * processes long after runc exits. runc's own messages go to `bundle/runc.log`.
 */
export async function runDetached(stateDir: string, bundle: string, id: string): Promise<void> {
  const log = join(bundle, "runc.log");
  const args = ["--root", stateDir, "--log", log, "run", "-d", "--bundle", bundle, id];
  const child = spawn(RUNC, args, { stdio: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`runc ${args.join(" ")} exited ${code}: ${await readFile(log, "utf8").catch(() => "")}`);
}

/** `runc delete -f`, for after hooks: a container runc no longer knows is fine. */
export async function deleteContainer(stateDir: string, id: string): Promise<void> {
  await run(RUNC, ["--root", stateDir, "delete", "-f", id], { timeoutMs: 30_000 });
}
