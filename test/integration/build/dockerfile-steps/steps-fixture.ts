import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type TestContext } from "node:test";
import { commitStep, type CommittedStep } from "../../../../src/build/dockerfile/commit-step.js";
import { mountStepRootfs, type StepRootfs } from "../../../../src/build/dockerfile/step-rootfs.js";
import { ImageStore, type SnapshotStore } from "../../../../src/image/index.js";
import { readTar } from "../../../../src/image/unpack/index.js";
import type { Digest } from "../../../../src/oci/index.js";
import { buildStepMountPoints, prepareRunImage, runBuildStep, type BuildStepOptions, type BuildStepResult } from "../../../../src/runtime/index.js";
import { missingTools } from "../../../support/require-root.js";
import { run } from "../../../support/run.js";
import { mountsUnder } from "../../../support/unmount.js";
import { containersUnsupported, makeRuntimeFixture, RUNC, type RuntimeFixture } from "../../runtime/runtime-fixture.js";

/** A berth root with the busybox image unpacked, and where steps run. */
export interface StepFixture {
  readonly runtime: RuntimeFixture;
  readonly store: ImageStore;
  readonly snapshots: SnapshotStore;
  /** ChainID of the busybox image's only layer. */
  readonly baseChainId: Digest;
  readonly baseLowerDirs: readonly string[];
  /** Step directories go here: under the berth root, on the snapshots' filesystem. */
  readonly work: string;
}

/** Why steps cannot run here (root, runc, overlayfs, busybox, getfattr/setfattr), or undefined. */
export async function stepsUnsupported(): Promise<string | undefined> {
  const why = await containersUnsupported();
  if (why !== undefined) return why;
  const missing = missingTools(["getfattr", "setfattr", "tar"]);
  return missing.length > 0 ? `needs ${missing.join(", ")} (apt-get install attr tar)` : undefined;
}

/** Skip with the reason unless steps can run; true when the test may go on. */
export async function requireSteps(t: TestContext): Promise<boolean> {
  const why = await stepsUnsupported();
  if (why === undefined) return true;
  t.skip(why);
  return false;
}

/** Make a fixture; remove it with `f.runtime.tmp.remove()`. */
export async function makeStepFixture(): Promise<StepFixture> {
  const runtime = await makeRuntimeFixture();
  try {
    const store = new ImageStore(runtime.root);
    const img = await prepareRunImage(store, "localhost/busybox:t1");
    const snapshots = await store.snapshots();
    const [base] = await snapshots.list();
    assert.ok(base !== undefined && img.lowerDirs.length === 1, "busybox has one snapshot");
    return { runtime, store, snapshots, baseChainId: base.chainId, baseLowerDirs: img.lowerDirs, work: join(runtime.root, "build") };
  } catch (e) {
    await runtime.tmp.remove();
    throw e;
  }
}

/** What {@link runStep} saw. */
export interface StepRun extends BuildStepResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Unmounted; upper/ kept for {@link commitStep}. Discard it when done. */
  readonly mount: StepRootfs;
}

/** Options for {@link runStep}: the step's, plus a hook while the rootfs is still mounted. */
export type StepRunOptions = Partial<Omit<BuildStepOptions, "args">> & {
  readonly lowerDirs?: readonly string[];
  /** Runs after the command, before the unmount (host-side changes, snapshots of the view). */
  readonly beforeUnmount?: (rootfs: string) => Promise<void>;
};

/** Mount a step over `lowerDirs` (default busybox), run `args`, unmount whatever happens. */
export async function runStep(f: StepFixture, args: readonly string[], opts: StepRunOptions = {}): Promise<StepRun> {
  const dir = join(f.work, `step-${randomBytes(4).toString("hex")}`);
  const mount = await mountStepRootfs(dir, opts.lowerDirs ?? f.baseLowerDirs, await buildStepMountPoints(opts));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  try {
    const result = await runBuildStep({
      root: f.runtime.root, bundleDir: join(dir, "bundle"), rootfs: mount.rootfs, env: ["PATH=/bin"], hostEnv: {}, ...opts, args,
      onStdout: (c) => {
        out.push(c);
        opts.onStdout?.(c);
      },
      onStderr: (c) => err.push(c),
    });
    await opts.beforeUnmount?.(mount.rootfs);
    return { ...result, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), mount };
  } catch (e) {
    await mount.discard();
    throw e;
  } finally {
    await mount.unmount();
  }
}

/** `sh -c script` as a step. */
export const sh = (f: StepFixture, script: string, opts: StepRunOptions = {}): Promise<StepRun> => runStep(f, ["/bin/sh", "-c", script], opts);

/** Commit a run's upper dir on `parent` (default busybox) and discard the step dir. */
export async function commit(f: StepFixture, step: StepRun, parent: Digest | undefined = f.baseChainId, epochSeconds?: number): Promise<CommittedStep> {
  try {
    return await commitStep({
      upperDir: step.mount.upperDir, snapshots: f.snapshots, parentChainId: parent, ingester: f.store.content,
      ...(epochSeconds !== undefined && { epochSeconds }),
    });
  } finally {
    await step.mount.discard();
  }
}

/** One layer entry, as berth's tar reader (Go's rules) reads it. */
export interface LayerEntry {
  readonly name: string;
  readonly type: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  readonly xattrs: ReadonlyMap<string, Buffer>;
  readonly data: Buffer;
}

/** Every entry of a stored gzip layer, in archive order, with data. */
export async function layerEntries(f: StepFixture, digest: Digest): Promise<LayerEntry[]> {
  const gz = await f.store.content.readBytes(digest);
  const out: LayerEntry[] = [];
  const tar = Readable.from([gz]).pipe(createGunzip());
  for await (const e of readTar(tar[Symbol.asyncIterator](), { layer: digest })) {
    const chunks: Buffer[] = [];
    for await (const c of e.body()) chunks.push(c);
    out.push({ ...e, data: Buffer.concat(chunks) });
  }
  return out;
}

/** Compact `type name[ -> link]` lines of a layer, for exact comparisons. */
export const describeEntries = (entries: readonly LayerEntry[]): string[] =>
  entries.map((e) => `${e.type} ${e.name}${e.linkname !== "" ? ` -> ${e.linkname}` : ""}`);

/** No mount under the berth root, no runc container or state left. */
export async function assertNothingLeft(f: StepFixture): Promise<void> {
  assert.deepEqual(await mountsUnder(f.runtime.root), [], "mounts left under the berth root");
  const list = await run(RUNC, ["--root", join(f.runtime.root, "runc"), "list", "--quiet"], { timeoutMs: 30_000 });
  assert.equal(list.stdout.trim(), "", "runc still lists containers");
  const state = await readdir(join(f.runtime.root, "runc")).catch(() => [] as string[]);
  assert.deepEqual(state, [], "runc state left");
}

/** The interface names of /proc/net/dev text. */
export const interfaces = (procNetDev: string): string[] =>
  procNetDev.split("\n").slice(2).map((l) => l.split(":")[0]!.trim()).filter((n) => n !== "").sort();
