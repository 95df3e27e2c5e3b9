import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, type TestContext } from "node:test";
import { ImageStore, pull } from "../../../src/image/index.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { makeBusyboxLayout } from "../../fixtures/make-image.js";
import { isRoot, missingTools } from "../../support/require-root.js";
import { run, type RunOptions, type RunResult } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { mountsUnder } from "../../support/unmount.js";

/** The berth launcher: tests drive the real command, its stdio and exit code. */
export const RUN_CLI = BERTH_BIN;
export const RUNC = "/usr/sbin/runc";

/** A berth root and a busybox OCI layout to run from, shared by one test file. */
export interface RuntimeFixture {
  readonly tmp: TempDir;
  readonly root: string;
  /** `oci:DIR:t1`, pullable by `berth run`. */
  readonly location: string;
  /**
   * `shell`: {@link berthRun} runs bin/berth.cjs itself, as a user's shell does (its shell part
   * announces the run to the daemon before Node starts); otherwise `node bin/berth.cjs`.
   */
  readonly launcher?: "shell";
}

/**
 * Why this machine cannot run containers, or undefined when it can: needs
 * root, Debian's runc, mount, overlayfs, and a static busybox for the fixture.
 */
export async function containersUnsupported(): Promise<string | undefined> {
  if (!isRoot()) return `needs root (uid 0), running as uid ${process.getuid?.() ?? "unknown"}`;
  const missing = missingTools([RUNC, "mount", "umount", "/bin/busybox"]);
  if (missing.length > 0) return `needs ${missing.join(", ")} (apt-get install runc mount busybox-static)`;
  if (!/\boverlay\b/.test(await readFile("/proc/filesystems", "utf8").catch(() => ""))) {
    // The module may not be loaded yet.
    await run("modprobe", ["overlay"], { timeoutMs: 10_000 }).catch(() => undefined);
    if (!/\boverlay\b/.test(await readFile("/proc/filesystems", "utf8").catch(() => ""))) return "needs overlayfs (not in /proc/filesystems; modprobe overlay failed)";
  }
  return undefined;
}

/** Skip the test with the reason unless containers can run here; true when it may go on. */
export async function requireContainers(t: TestContext): Promise<boolean> {
  const why = await containersUnsupported();
  if (why === undefined) return true;
  t.skip(why);
  return false;
}

/**
 * Make a temp dir with the busybox layout and a berth root where it is
 * already pulled as `localhost/busybox:t1`. Remove with `fixture.tmp.remove()`.
 */
export async function makeRuntimeFixture(): Promise<RuntimeFixture> {
  const tmp = await tempDir("berth-rt-");
  try {
    const layout = join(tmp.path, "busybox");
    await makeBusyboxLayout(layout, { tag: "t1" });
    const root = join(tmp.path, "root");
    await pull(new ImageStore(root), `oci:${layout}:t1`);
    return { tmp, root, location: `oci:${layout}:t1` };
  } catch (e) {
    await tmp.remove();
    throw e;
  }
}

/** `berth --root ROOT run ARGS…` as a child process. */
export function berthRun(f: RuntimeFixture, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = ["--root", f.root, "run", ...args];
  return f.launcher === "shell" ? run(RUN_CLI, argv, { timeoutMs: 60_000, ...opts }) : run(process.execPath, [RUN_CLI, ...argv], { timeoutMs: 60_000, ...opts });
}

/**
 * No container may remain: none in sight at once (no container dir, no
 * name held), and within 15 s, once removals finishing in the background
 * are done, no mount under the root, no runc state, nothing in
 * containers/.removing.
 */
export async function assertClean(f: RuntimeFixture): Promise<void> {
  const containers = join(f.root, "containers");
  const dirs = (await readdir(containers).catch(() => [] as string[])).filter((d) => d !== "names" && d !== ".removing");
  assert.deepEqual(dirs, [], "container directories left");
  assert.deepEqual(await readdir(join(containers, "names")).catch(() => [] as string[]), [], "names still held");
  await assertRemovalsFinished(f.root);
}

/**
 * What removals finish in the background is gone within 15 s: no mount under
 * `root`, no runc state, nothing in containers/.removing; and runc lists nothing.
 */
export async function assertRemovalsFinished(root: string): Promise<void> {
  const containers = join(root, "containers");
  const leftovers = async (): Promise<string[]> => [
    ...(await mountsUnder(root)).map((m) => `mount ${m}`),
    ...((await readFile("/proc/mounts", "utf8")).includes(containers) ? ["a container mount in /proc/mounts"] : []),
    ...(await readdir(join(root, "runc")).catch(() => [] as string[])).map((d) => `runc state ${d}`),
    ...(await readdir(join(containers, ".removing")).catch(() => [] as string[])).map((d) => `being removed: ${d}`),
  ];
  const deadline = Date.now() + 15_000;
  let left = await leftovers();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = await leftovers();
  }
  assert.deepEqual(left, [], "left behind after 15 s");
  const list = await run(RUNC, ["--root", join(root, "runc"), "list", "--quiet"], { timeoutMs: 30_000 });
  assert.equal(list.stdout.trim(), "", "runc still lists containers");
}

/**
 * Inside a describe block: build one fixture before its tests (when this
 * machine can run containers) and remove it after. With `daemon`, berth's
 * daemon runs for the fixture's root meanwhile (`berth daemon start`), so
 * the commands that hand work to it do. Returns the accessor each test
 * calls first: the fixture, or undefined after skipping with the reason.
 */
export function useRuntimeFixture(opts: { readonly daemon?: boolean; readonly launcher?: "shell" } = {}): (t: TestContext) => Promise<RuntimeFixture | undefined> {
  let f: RuntimeFixture | undefined;
  let usable = false;
  before(async () => {
    usable = (await containersUnsupported()) === undefined;
    if (usable) f = { ...(await makeRuntimeFixture()), ...(opts.launcher !== undefined && { launcher: opts.launcher }) };
    if (f && opts.daemon) await startDaemon(f.root);
  });
  after(async () => {
    if (f && opts.daemon) await stopDaemon(f.root);
    await f?.tmp.remove();
  });
  return async (t) => {
    if (!(await requireContainers(t))) return undefined;
    assert.ok(usable && f, "fixture not built");
    return f;
  };
}

/** `berth daemon start` for `root`: returns once the daemon answers. */
export async function startDaemon(root: string): Promise<void> {
  const r = await run(process.execPath, [RUN_CLI, "--root", root, "daemon", "start"], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `berth daemon start: ${r.stderr}`);
}

/** `berth daemon stop` for `root` (containers keep running). */
export async function stopDaemon(root: string): Promise<void> {
  await run(process.execPath, [RUN_CLI, "--root", root, "daemon", "stop"], { timeoutMs: 60_000 });
}
