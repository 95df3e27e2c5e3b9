import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../../test/support/process.js";
import { timed } from "../harness/timing.js";
import type { BerthSpec, RuntimeSpec } from "./berth-spec.js";
import { mustRun, RUNC, runcDetached } from "./run-tools.js";

/** Milliseconds of each step of one container's life under bare runc. */
export interface RuncPhases {
  readonly createMs: number;
  readonly startMs: number;
  /** From `runc start` returning to the container's init being gone. */
  readonly exitMs: number;
  readonly deleteMs: number;
}

/**
 * The floor: a runc bundle of the unpacked busybox image, run with nothing around it. Every run
 * gets a fresh container id; runc keeps its state under its own `--root`, apart from berth's.
 */
export interface RuncFloor {
  readonly bundle: string;
  /** `runc --root <state> run --bundle <bundle> <fresh id>` with `/bin/busybox true`; throws unless it exits 0. */
  runOnce(): Promise<void>;
  /** `runc create`, `runc start`, wait for the exit, `runc delete`, each timed. */
  phasesOnce(): Promise<RuncPhases>;
  /** Throws when runc still lists a container (a `runc run` that did not clean up). */
  leftovers(): Promise<void>;
  /** `runc delete --force` of every container still in the state dir; safe to call twice. */
  dispose(): Promise<void>;
}

const EXIT_WAIT_MS = 10_000;

/**
 * Make the floor's bundle in `dir` (created): `tar -xzf` of the image's one gzip layer into
 * `rootfs/`, then runc's own default spec (`runc spec`) with `terminal: false` and the command
 * `/bin/busybox true`; everything else (namespaces, read-only root, no seccomp, no cgroup limits)
 * stays runc's default. With `berth`, its spec instead (see captureBerthSpec), on the same rootfs:
 * the command, the root and the bind sources rewritten, the cgroup path the bench's own.
 */
export async function makeRuncFloor(dir: string, layerBlob: string, berth?: BerthSpec): Promise<RuncFloor> {
  const bundle = join(dir, "bundle");
  const rootfs = join(bundle, "rootfs");
  const state = join(dir, "state");
  const log = join(dir, "runc.log");
  await mkdir(rootfs, { recursive: true });
  await mkdir(state);
  await mustRun("tar", ["--extract", "--gzip", "--file", layerBlob, "--directory", rootfs]);
  for (const d of ["proc", "dev", "sys"]) await mkdir(join(rootfs, d), { recursive: true });
  const specFile = join(bundle, "config.json");
  let spec: RuntimeSpec;
  if (berth === undefined) {
    await mustRun(RUNC, ["spec", "--bundle", bundle]);
    spec = JSON.parse(await readFile(specFile, "utf8")) as RuntimeSpec;
  } else {
    spec = await berthSpecIn(bundle, berth, `/berth-bench-floor-${process.pid}-${basename(dir)}`);
  }
  spec.process.terminal = false;
  spec.process.args = ["/bin/busybox", "true"];
  await writeFile(specFile, JSON.stringify(spec, null, 2));

  let next = 0;
  const freshId = (): string => `bench-floor-${process.pid}-${next++}`;
  let disposed: Promise<void> | undefined;
  return {
    bundle,
    runOnce: async () => void (await mustRun(RUNC, ["--root", state, "--log", log, "run", "--bundle", bundle, freshId()])),
    phasesOnce: async () => {
      const id = freshId();
      const create = await timed(() => runcDetached(["--root", state, "create", "--bundle", bundle, id], log));
      const { pid } = JSON.parse((await mustRun(RUNC, ["--root", state, "state", id])).stdout) as { pid: number };
      const start = await timed(() => mustRun(RUNC, ["--root", state, "--log", log, "start", id]));
      const exit = await timed(() => waitGone(pid, id));
      const del = await timed(() => mustRun(RUNC, ["--root", state, "--log", log, "delete", id]));
      return { createMs: create.ms, startMs: start.ms, exitMs: exit.ms, deleteMs: del.ms };
    },
    leftovers: async () => {
      const left = await listed(state);
      if (left.length > 0) throw new Error(`runc --root ${state} list: ${left.join(", ")} left after runc run`);
    },
    dispose: () => (disposed ??= deleteAll(state)),
  };
}

/** berth's spec for a container in `bundle`: its rootfs, its bind files copied in, the cgroup at `cgroupsPath`. */
async function berthSpecIn(bundle: string, berth: BerthSpec, cgroupsPath: string): Promise<RuntimeSpec> {
  const spec = structuredClone(berth.spec);
  spec.root = { path: "rootfs", readonly: spec.root?.readonly ?? false };
  for (const [name, bytes] of berth.files) await writeFile(join(bundle, name), bytes);
  for (const m of spec.mounts ?? []) {
    if (m.source !== undefined && berth.files.has(m.source)) m.source = join(bundle, m.source);
  }
  spec.linux = { ...spec.linux, cgroupsPath };
  return spec;
}

/** Poll until `pid` has exited (a zombie counts as exited), at most {@link EXIT_WAIT_MS}. */
async function waitGone(pid: number, id: string): Promise<void> {
  const deadline = Date.now() + EXIT_WAIT_MS;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`runc container ${id} (pid ${pid}) still runs ${EXIT_WAIT_MS} ms after start`);
    await sleep(1);
  }
}

const listed = async (state: string): Promise<string[]> =>
  (await mustRun(RUNC, ["--root", state, "list", "--quiet"])).stdout.split("\n").filter((l) => l.trim() !== "");

async function deleteAll(state: string): Promise<void> {
  for (const id of await listed(state).catch(() => [])) {
    await mustRun(RUNC, ["--root", state, "delete", "--force", id]).catch(() => undefined);
  }
}
