import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureTopDirectory, type ImageStore, type SnapshotStore } from "../../image/index.js";
import { BuildStepStartError, buildStepMountPoints, runBuildStep, runcStateDir } from "../../runtime/index.js";
import { commitStep } from "./commit-step.js";
import { commandArgs, type Expander } from "./config-instructions.js";
import { BerthError } from "../../oci/index.js";
import { copyIntoRootfs } from "./copy-into-rootfs.js";
import { hashCopySources } from "./copy-hash.js";
import type { CopySourceRoot } from "./copy-source-tree.js";
import { resolveCopySources, type CopySourcesRequest, type ResolvedCopySources } from "./copy-sources.js";
import type { DockerContextFilter } from "./docker-context-filter.js";
import type { CopyInstruction, RunInstruction } from "./dockerfile-ast.js";
import { DockerfileError } from "./dockerfile-errors.js";
import { mkdirInRootfs } from "./copy-into-rootfs.js";
import { envMap, type StageState } from "./stage-state.js";
import { StepCache, type CachedStep } from "./step-cache.js";
import { DEFAULT_PATH_ENV } from "./stage-base.js";
import { removeStaleSteps, stepDirName } from "./stale-steps.js";
import { mountReadOnly, mountStepRootfs } from "./step-rootfs.js";

/** How a step ended. */
export interface StepOutcome {
  readonly isCached: boolean;
}

/** What the {@link StepRunner} needs from the build. */
export interface StepRunnerOptions {
  readonly store: ImageStore;
  readonly snapshots: SnapshotStore;
  readonly cache: StepCache;
  readonly context: string;
  readonly filter: DockerContextFilter;
  /** The Dockerfile's name, for errors. */
  readonly file: string;
  /** Where step directories (overlay upper/work, bundles) are made; on the snapshots' filesystem. */
  readonly workDir: string;
  readonly noCache: boolean;
  readonly network: "host" | "none";
  readonly hostTrust: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** This build's time (SOURCE_DATE_EPOCH when set): the time of the steps it runs. */
  readonly created: string;
  /** The state of an earlier stage named by `--from=` (name or index), else undefined. */
  readonly stageState: (ref: string) => StageState | undefined;
  /** An image named by `--from=`. */
  readonly imageFor: (ref: string, line: number) => Promise<{ state: StageState }>;
  readonly signal?: AbortSignal;
}

const OUTPUT_TAIL = 15;
const COPY_FLAGS = new Set(["from", "chown", "chmod", "link", "checksum", "keep-git-dir"]);

/**
 * The steps that change files — RUN, COPY, ADD and WORKDIR — as docker's
 * builder runs them: an overlay over the stage's snapshots with a fresh
 * upper dir, the change made in the merged rootfs, and the upper dir
 * committed as the step's layer and snapshot (commitStep). A step that
 * changes nothing adds no layer (an `empty_layer` history entry), as
 * BuildKit does.
 */
export class StepRunner {
  private madeWorkDir: Promise<string> | undefined;

  constructor(private readonly o: StepRunnerOptions) {}

  /**
   * Remove what killed builds left in the work dir (step dirs with their
   * mounts and a still-running container, ADD's downloads; see
   * removeStaleSteps). The build calls it before its first step, so a
   * build whose steps are all cached cleans up too.
   */
  async removeStale(): Promise<void> {
    await removeStaleSteps(this.o.workDir, runcStateDir(this.o.store.root));
  }

  /** The build's scratch dir (step dirs, ADD's downloads), made on first use: a fresh root has none. */
  private workDir(): Promise<string> {
    // Each step's tree (a RUN step's upper dir) is made and removed: spread over the filesystem (image's top-directory.ts).
    return (this.madeWorkDir ??= ensureTopDirectory(this.o.workDir).then(() => this.o.workDir));
  }

  /** WORKDIR: make the directory (owned by root, 0755) when the stage lacks it. */
  async workdir(state: StageState, dir: string): Promise<StepOutcome> {
    const key = StepCache.next(state.cacheKey, "WORKDIR", dir);
    return this.layerStep(state, key, `WORKDIR ${dir}`, async (rootfs) => {
      await mkdirInRootfs(rootfs, dir);
    });
  }

  /** RUN: the command in a runc container; a non-zero exit fails the build with its last output lines. */
  async run(state: StageState, ins: RunInstruction, predefinedArgs: readonly (readonly [string, string])[], onLine: (line: string) => void): Promise<StepOutcome> {
    for (const f of Object.keys(ins.flags)) {
      if (f !== "network") throw new DockerfileError(this.o.file, ins.line, `RUN --${f} is not supported yet`, "berth's builder supports RUN --network=default|none|host");
    }
    const netFlag = ins.flags.network;
    if (netFlag !== undefined && netFlag !== "default" && netFlag !== "none" && netFlag !== "host") {
      throw new DockerfileError(this.o.file, ins.line, `RUN --network=${String(netFlag)}: expected default, none or host`);
    }
    const network = netFlag === "none" || netFlag === "host" ? netFlag : this.o.network;
    const argv = runArgv(ins, state);
    // ARG values reach the command as environment, behind ENV of the same name; they are not saved in the image.
    const env = envMap(state.config);
    for (const [k, v] of state.args) if (v !== undefined && !env.has(k)) env.set(k, v);
    const argEnv = [...state.args].filter(([k, v]) => v !== undefined && !envMap(state.config).has(k)).map(([k, v]) => `${k}=${v}`);
    for (const [k, v] of predefinedArgs) if (!env.has(k)) env.set(k, v);
    if (!env.has("PATH")) env.set("PATH", DEFAULT_PATH_ENV.slice("PATH=".length));
    const key = StepCache.next(state.cacheKey, "RUN", JSON.stringify(argv), JSON.stringify(argEnv), network);
    const createdBy = `RUN ${argEnv.length > 0 ? `|${argEnv.length} ${argEnv.join(" ")} ` : ""}${argv.join(" ")}`;
    const tail: string[] = [];
    let partial = "";
    const output = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) {
        onLine(l);
        tail.push(l);
        if (tail.length > OUTPUT_TAIL) tail.shift();
      }
    };
    const what = `RUN ${ins.command.form === "shell" ? ins.command.command : JSON.stringify(ins.command.args)}`;
    return this.layerStep(state, key, createdBy, async (rootfs, stepDir) => {
      const { exitCode: code } = await runBuildStep({
        root: this.o.store.root, bundleDir: join(stepDir, "bundle"), rootfs, args: argv,
        env: [...env].map(([k, v]) => `${k}=${v}`), workdir: state.config.WorkingDir || "/",
        ...(state.config.User && { user: state.config.User }),
        network, hostTrust: this.o.hostTrust, hostEnv: this.o.env, onStdout: output, onStderr: output,
        ...(this.o.signal && { signal: this.o.signal }),
      }).catch((e: unknown) => {
        // A command that cannot start is this line's failure too: say which line, keep runc's reason and hint.
        if (!(e instanceof BuildStepStartError)) throw e;
        throw new DockerfileError(this.o.file, ins.line, `${what}: did not start: ${e.runtimeMessage}`, e.hint, { code: e.code, cause: e });
      });
      if (partial !== "") output(Buffer.from("\n"));
      if (code !== 0) {
        // The Dockerfile is fine, the command failed: FAILED_PRECONDITION (exit 1), not INVALID_ARGUMENT (exit 2, a usage error).
        throw new DockerfileError(this.o.file, ins.line, `${what}: exited with code ${code}`,
          tail.length > 0 ? `its last output:\n${tail.map((l) => `  ${l}`).join("\n")}` : "it printed nothing", { code: "FAILED_PRECONDITION" });
      }
    });
  }

  /** COPY/ADD from the context, an earlier stage or an image; `onLine` gets its warnings. */
  async copy(state: StageState, ins: CopyInstruction, x: Expander, onLine: (line: string) => void = () => undefined): Promise<StepOutcome> {
    for (const f of Object.keys(ins.flags)) {
      if (!COPY_FLAGS.has(f)) throw new DockerfileError(this.o.file, ins.line, `${ins.kind} --${f}: unknown flag`, `${ins.kind} takes --from, --chown, --chmod and --link`);
    }
    const flag = (n: string): string | undefined => {
      const v = ins.flags[n];
      return v === true ? undefined : v === undefined ? undefined : x.word(v);
    };
    const from = flag("from");
    if (from !== undefined && ins.kind === "ADD") throw new DockerfileError(this.o.file, ins.line, "ADD --from is not allowed", "use COPY --from");
    const sources = ins.sources.map((s) => x.word(s));
    const destination = x.word(ins.destination);
    const chown = flag("chown");
    const chmod = flag("chmod");
    const checksum = flag("checksum");
    const tmpDir = await this.workDir();
    const heredocs = ins.heredocs.map((h) => ({ name: h.name, content: h.expand ? x.heredoc(h.content) : h.content }));
    const where = `${ins.kind} ${[...sources, destination].join(" ")}`;
    const atLine = (e: unknown): never => {
      if (e instanceof DockerfileError || !(e instanceof BerthError)) throw e;
      throw new DockerfileError(this.o.file, ins.line, `${where}: ${e.message}`, e.hint, { code: e.code, cause: e });
    };
    const request = (root: CopySourceRoot): CopySourcesRequest => ({
      kind: ins.kind, source: root, sources, heredocs, tmpDir,
      ...(checksum !== undefined && { checksum }), ...(this.o.signal && { signal: this.o.signal }),
    });
    const copy = async (rootfs: string, root: CopySourceRoot, resolved: ResolvedCopySources): Promise<void> => {
      const { skipped } = await copyIntoRootfs({
        ...request(root), rootfs, destination, workdir: state.config.WorkingDir || "/", resolved,
        ...(chown !== undefined && { chown }), ...(chmod !== undefined && { chmod }),
      }).catch(atLine);
      // docker copies these too; berth leaves them out, and says so rather than drop them unnoticed.
      if (skipped.length > 0) onLine(`warning: ${where}: left out ${skipped.length} socket(s), FIFO(s) or device(s): ${skipped.slice(0, 5).join(", ")}${skipped.length > 5 ? ", …" : ""}`);
    };
    const options = JSON.stringify({ from, sources, destination, chown, chmod, checksum });
    if (from !== undefined) {
      // A stage's or image's files are named by their ChainID: the key needs no walk of them, and a hit no mount.
      const fromState = this.o.stageState(from) ?? (await this.o.imageFor(from, ins.line)).state;
      const key = StepCache.next(state.cacheKey, ins.kind, options, `chain:${fromState.chainId ?? "empty"}`, JSON.stringify(heredocs));
      return this.layerStep(state, key, where, async (rootfs) => {
        const source = await this.mountStage(fromState);
        try {
          const resolved = await resolveCopySources(request(source.root)).catch(atLine);
          try {
            await copy(rootfs, source.root, resolved);
          } finally {
            await resolved.dispose();
          }
        } finally {
          await source.release();
        }
      });
    }
    const root: CopySourceRoot = { kind: "context", dir: this.o.context, filter: this.o.filter };
    const resolved = await resolveCopySources(request(root)).catch(atLine);
    try {
      const hash = await hashCopySources(resolved).catch(atLine);
      const key = StepCache.next(state.cacheKey, ins.kind, options, hash);
      return await this.layerStep(state, key, where, (rootfs) => copy(rootfs, root, resolved));
    } finally {
      await resolved.dispose();
    }
  }

  /** A stage's or image's files, mounted read-only for COPY --from. */
  private async mountStage(from: StageState): Promise<{ root: CopySourceRoot; release: () => Promise<void> }> {
    const lowerDirs = from.chainId === undefined ? [] : await this.o.snapshots.lowerDirs(from.chainId);
    const dir = join(await this.workDir(), stepDirName());
    const mount = await mountReadOnly(dir, lowerDirs);
    return {
      root: { kind: "rootfs", dir: mount.path },
      release: async () => {
        await mount.unmount();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  /**
   * A step that changes files: cached by `key`; else mount the stage's
   * rootfs, let `mutate` change it, and commit the upper dir.
   */
  private async layerStep(state: StageState, key: string, createdBy: string, mutate: (rootfs: string, stepDir: string) => Promise<void>): Promise<StepOutcome & { key?: string }> {
    state.cacheKey = key;
    const cached = this.o.noCache ? undefined : await this.o.cache.get(key);
    if (cached !== undefined) {
      this.apply(state, cached, createdBy);
      return { isCached: true };
    }
    const stepDir = join(await this.workDir(), stepDirName());
    try {
      const lowerDirs = state.chainId === undefined ? [] : await this.o.snapshots.lowerDirs(state.chainId);
      const mount = await mountStepRootfs(stepDir, lowerDirs, await buildStepMountPoints({ hostTrust: this.o.hostTrust, hostEnv: this.o.env }));
      try {
        await mutate(mount.rootfs, stepDir);
      } finally {
        await mount.unmount();
      }
      this.o.signal?.throwIfAborted(); // a COPY of one big file does not look at the signal: drop its result here
      if ((await readdir(mount.upperDir)).length === 0) {
        const rec = { empty: true as const, created: this.o.created };
        await this.o.cache.put(key, rec);
        this.apply(state, rec, createdBy);
        return { isCached: false };
      }
      const committed = await commitStep({
        upperDir: mount.upperDir, snapshots: this.o.snapshots, parentChainId: state.chainId, ingester: this.o.store.content,
        ...(this.o.signal && { signal: this.o.signal }),
      });
      const rec = { empty: false as const, created: this.o.created, layer: committed.layer.descriptor, diffId: committed.layer.diffId, chainId: committed.chainId };
      await this.o.cache.put(key, rec);
      this.apply(state, rec, createdBy);
      return { isCached: false };
    } finally {
      await rm(stepDir, { recursive: true, force: true });
    }
  }

  private apply(state: StageState, rec: CachedStep, createdBy: string): void {
    state.created = rec.created;
    if (rec.empty) {
      state.history.push({ created: rec.created, created_by: createdBy, empty_layer: true });
      return;
    }
    state.layers.push(rec.layer);
    state.diffIds.push(rec.diffId);
    state.chainId = rec.chainId;
    state.history.push({ created: rec.created, created_by: createdBy });
  }
}

/** RUN's argv: exec form as written; shell form through SHELL, heredoc bodies handed to the shell after the command as a shell reads them. */
function runArgv(ins: RunInstruction, state: StageState): string[] {
  if (ins.command.form === "exec" || ins.heredocs.length === 0) return commandArgs(ins.command, state);
  const command = ins.command.command.trim();
  const only = ins.heredocs.length === 1 && /^<<-?(["']?)[^\s"']+\1$/.test(command);
  // `RUN <<EOF` alone: the body is the script (BuildKit's rule); else the shell gets the command and the bodies as heredocs.
  const script = only ? ins.heredocs[0]!.content : `${ins.command.command}\n${ins.heredocs.map((h) => `${h.content}${h.name}\n`).join("")}`;
  return commandArgs({ form: "shell", command: script }, state);
}

