import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fullName, type ImageStore, type PullOptions, type SnapshotStore } from "../../image/index.js";
import { formatPlatform, hostPlatform, parsePlatform, type Descriptor, type Platform } from "../../oci/index.js";
import { defaultReference } from "../node-app/index.js";
import { applyConfigInstruction, isConfigInstruction, nextWorkdir, type Expander } from "./config-instructions.js";
import { DockerContextFilter } from "./docker-context-filter.js";
import type { Dockerfile, Instruction, Stage } from "./dockerfile-ast.js";
import { DockerfileError, WordExpansionError } from "./dockerfile-errors.js";
import { expandHeredoc, expandWord, expandWords } from "./expand-words.js";
import { parseDockerfile } from "./parse-dockerfile.js";
import { forkState, imageState, scratchState } from "./stage-base.js";
import { writeStageImage } from "./stage-image-writer.js";
import { planStages, resolveGlobalArgs } from "./stage-plan.js";
import { expansionVars, type StageState } from "./stage-state.js";
import { StepCache } from "./step-cache.js";
import { StepRunner, type StepOutcome } from "./step-runner.js";

/** Options for {@link buildDockerfile}. */
export interface BuildDockerfileOptions extends Pick<PullOptions, "insecureRegistries"> {
  /** The Dockerfile; default `<context>/Dockerfile`. */
  readonly dockerfile?: string;
  /**
   * The Dockerfile's text, read by the caller (`-f -`, stdin), instead of a
   * file: errors then name it `stdin`, and only the context's .dockerignore applies.
   */
  readonly dockerfileText?: string;
  /** Names for the image; default `localhost/<context dir name>:latest`. */
  readonly tags?: readonly string[];
  /** `--build-arg`: values for ARGs. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** `--target`: build up to this stage (default the last). */
  readonly target?: string;
  /** `--no-cache`: run every step again. */
  readonly noCache?: boolean;
  /** Network of RUN steps: `host` (default, as `docker build --network host`) or `none`. */
  readonly network?: "host" | "none";
  /** Mount the host's CA bundle into RUN steps (never into the image); default true. */
  readonly hostTrust?: boolean;
  /** Proxies, SOURCE_DATE_EPOCH; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** `#3 [build 2/4] RUN …`, the step's output, `#3 DONE 0.4s` / `#3 CACHED`. */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** One executed instruction, for the summary. */
export interface DockerfileStep {
  readonly stage: number;
  readonly line: number;
  readonly text: string;
  readonly isCached: boolean;
  readonly ms: number;
}

/** What {@link buildDockerfile} made. */
export interface BuiltDockerfileImage {
  readonly names: readonly string[];
  readonly descriptor: Descriptor;
  readonly steps: readonly DockerfileStep[];
  /** Build args given but never used, as docker warns about them. */
  readonly unusedBuildArgs: readonly string[];
}

/** ARGs docker knows without an ARG line (and keeps out of the image history). */
const PREDEFINED_ARGS = new Set(["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((n) => [n, n.toLowerCase()]));

/**
 * `berth build -f Dockerfile CONTEXT`: run the Dockerfile's stages the
 * target needs, in order, each instruction as docker's builder does it —
 * config instructions change the stage's config, RUN runs in a runc
 * container over the stage's layers, COPY/ADD copy into them, and each of
 * those becomes a layer and a snapshot. Steps are cached (StepCache). The
 * target stage's image is stored under its names. Needs root for RUN, COPY
 * and ADD (overlay mounts).
 *
 * Throws DockerfileError naming the Dockerfile line for a bad instruction,
 * a missing COPY source, a failing RUN (its exit code and last output), an
 * unknown stage; and what pulling a base image throws.
 */
export async function buildDockerfile(store: ImageStore, contextDir: string, opts: BuildDockerfileOptions = {}): Promise<BuiltDockerfileImage> {
  const context = resolve(contextDir);
  const { text, dockerfile, file } = await readDockerfile(context, opts);
  const df = parseDockerfile(text, file);
  const names = (opts.tags?.length ? opts.tags : [defaultReference(undefined, context)]).map((t) => fullName(t).name);
  const build = new DockerfileBuild(store, context, dockerfile, file, df, opts);
  return store.withLease(() => build.run(names));
}

/** The Dockerfile's text, its path (none for text given), and its name for messages. */
async function readDockerfile(context: string, opts: BuildDockerfileOptions): Promise<{ text: string; dockerfile?: string; file: string }> {
  if (opts.dockerfileText !== undefined) return { text: opts.dockerfileText, file: "stdin" };
  const dockerfile = resolve(opts.dockerfile ?? join(context, "Dockerfile"));
  const text = await readFile(dockerfile, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new DockerfileError(dockerfile, 0, `cannot read the Dockerfile: ${e.code ?? e.message}`, "pass the right path with -f, or put a Dockerfile in the context");
  });
  return { text, dockerfile, file: relative(process.cwd(), dockerfile) || dockerfile };
}

/** One build: stage results by index, the step counter, the cache. */
class DockerfileBuild {
  private readonly progress: (line: string) => void;
  private readonly steps: DockerfileStep[] = [];
  private readonly results = new Map<number, StageState>();
  private readonly usedArgs = new Set<string>();
  private readonly globalVars = new Map<string, string>();
  private readonly created: string;
  private readonly platform: Platform;
  private snapshots!: SnapshotStore;
  private runner!: StepRunner;

  constructor(
    private readonly store: ImageStore, private readonly context: string, private readonly dockerfile: string | undefined,
    private readonly file: string, private readonly df: Dockerfile, private readonly opts: BuildDockerfileOptions,
  ) {
    this.progress = opts.onProgress ?? (() => undefined);
    const env = opts.env ?? process.env;
    const epoch = env.SOURCE_DATE_EPOCH;
    this.created = epoch !== undefined && /^\d{1,12}$/.test(epoch) ? new Date(Number(epoch) * 1000).toISOString() : new Date().toISOString();
    this.platform = hostPlatform();
  }

  async run(names: readonly string[]): Promise<BuiltDockerfileImage> {
    this.snapshots = await this.store.snapshots();
    const cache = await StepCache.open(join(this.store.root, "build-cache", "dockerfile"), this.store.content, this.snapshots);
    const filter = await DockerContextFilter.load(this.context, this.dockerfile);
    this.runner = new StepRunner({
      store: this.store, snapshots: this.snapshots, cache, context: this.context, filter, file: this.file,
      workDir: join(this.store.root, "build-cache", "dockerfile-steps"),
      noCache: this.opts.noCache === true, network: this.opts.network ?? "host", hostTrust: this.opts.hostTrust !== false,
      env: this.opts.env ?? process.env,
      created: this.created,
      stageState: (ref) => this.stageFor(ref),
      imageFor: (ref, line) => this.imageFor(ref, line),
      ...(this.opts.signal && { signal: this.opts.signal }),
    });
    await this.runner.removeStale();
    const planOptions = { file: this.file, buildArgs: this.opts.buildArgs ?? {}, builtinArgs: this.builtinArgs() };
    for (const [k, v] of resolveGlobalArgs(this.df, planOptions)) this.globalVars.set(k, v);
    for (const ins of this.df.globalArgs) for (const a of ins.args) if (this.opts.buildArgs?.[a.name] !== undefined) this.usedArgs.add(a.name);
    const plan = planStages(this.df, this.opts.target, planOptions);
    let last: StageState | undefined;
    for (const stage of plan) {
      last = await this.buildStage(stage);
      this.results.set(stage.index, last);
    }
    const state = last!;
    this.opts.signal?.throwIfAborted();
    const started = Date.now();
    const descriptor = await writeStageImage(state, state.created, this.store.content);
    for (const n of names) await this.store.setName(n, descriptor);
    this.progress(`#${this.steps.length + 1} writing image ${descriptor.digest}, naming ${names.join(", ")} DONE ${seconds(Date.now() - started)}`);
    const unusedBuildArgs = Object.keys(this.opts.buildArgs ?? {}).filter((k) => !this.usedArgs.has(k)).sort();
    if (unusedBuildArgs.length > 0) this.progress(`[Warning] One or more build-args [${unusedBuildArgs.join(" ")}] were not consumed`);
    return { names, descriptor, steps: this.steps, unusedBuildArgs };
  }

  /** The platform ARGs BuildKit defines without an ARG line. */
  private builtinArgs(): Record<string, string> {
    const p = formatPlatform(this.platform);
    return {
      TARGETPLATFORM: p, TARGETOS: this.platform.os, TARGETARCH: this.platform.architecture, TARGETVARIANT: this.platform.variant ?? "",
      BUILDPLATFORM: p, BUILDOS: this.platform.os, BUILDARCH: this.platform.architecture, BUILDVARIANT: this.platform.variant ?? "",
    };
  }

  private async buildStage(stage: Stage): Promise<StageState> {
    const total = stage.instructions.length + 1;
    const label = (i: number): string => `[${stage.from.stageName ?? `stage-${stage.index}`} ${i}/${total}]`;
    let state!: StageState;
    await this.step(stage.index, stage.from.line, `${label(1)} ${stage.from.text}`, async () => {
      const image = expandWord(stage.from.image, this.globalVars, this.df.escape);
      const platformFlag = stage.from.flags.platform;
      const platform = typeof platformFlag === "string" ? parsePlatform(expandWord(platformFlag, this.globalVars, this.df.escape)) : this.platform;
      const earlier = this.stageByName(image, stage.index);
      if (earlier !== undefined) state = forkState(earlier);
      else if (image.toLowerCase() === "scratch") state = scratchState(platform, this.created);
      else state = (await this.imageFor(image, stage.from.line, platform)).state;
      return { isCached: earlier !== undefined };
    });
    const triggers = state.config.OnBuild ?? [];
    if (triggers.length > 0) {
      // The base's ONBUILD triggers run first, as if written after FROM; the new image does not inherit them.
      delete state.config.OnBuild;
      const parsed = parseDockerfile(`FROM scratch\n${triggers.join("\n")}\n`, `${this.file} (ONBUILD of ${stage.from.image})`);
      for (const ins of parsed.stages[0]?.instructions ?? []) {
        await this.step(stage.index, stage.from.line, `${label(1)} ONBUILD ${ins.text}`, () => this.execute(state, ins));
      }
    }
    for (const [i, ins] of stage.instructions.entries()) {
      await this.step(stage.index, ins.line, `${label(i + 2)} ${ins.text}`, () => this.execute(state, ins));
    }
    return state;
  }

  /** Run one instruction on `state`. */
  private async execute(state: StageState, ins: Instruction): Promise<StepOutcome> {
    const x = this.expander(state);
    if (ins.kind === "ARG") {
      const parts: string[] = [];
      for (const a of ins.args) {
        const given = this.opts.buildArgs?.[a.name];
        if (given !== undefined) this.usedArgs.add(a.name);
        const value = given ?? (a.default !== undefined ? x.word(a.default) : this.globalVars.get(a.name));
        state.args.set(a.name, value);
        parts.push(value === undefined ? a.name : `${a.name}=${value}`);
      }
      state.cacheKey = StepCache.next(state.cacheKey, "ARG", ...parts);
      return { isCached: false };
    }
    if (ins.kind === "WORKDIR") {
      const dir = nextWorkdir(state.config.WorkingDir, x.word(ins.words[0] ?? ""));
      state.config.WorkingDir = dir;
      return this.runner.workdir(state, dir);
    }
    if (isConfigInstruction(ins)) {
      const expanded = applyConfigInstruction(state, ins, x, this.file);
      state.cacheKey = StepCache.next(state.cacheKey, expanded);
      state.history.push({ created: state.created, created_by: expanded, empty_layer: true });
      return { isCached: false };
    }
    switch (ins.kind) {
      case "RUN": {
        for (const [k, v] of Object.entries(this.opts.buildArgs ?? {})) if (PREDEFINED_ARGS.has(k) && v !== undefined) this.usedArgs.add(k);
        const predefined = Object.entries(this.opts.buildArgs ?? {}).filter(([k]) => PREDEFINED_ARGS.has(k));
        return this.runner.run(state, ins, predefined, (line) => this.progress(`#${this.steps.length + 1} ${line}`));
      }
      case "COPY":
      case "ADD":
        return this.runner.copy(state, ins, x, (line) => this.progress(`#${this.steps.length + 1} ${line}`));
      case "FROM":
        throw new DockerfileError(this.file, ins.line, "FROM inside a stage", "the parser splits stages at FROM; this is a bug");
    }
  }

  /** The expander for `state`'s current variables. */
  private expander(state: StageState): Expander {
    const vars = expansionVars(state);
    return {
      word: (t) => expandWord(t, vars, this.df.escape),
      words: (t) => expandWords(t, vars, this.df.escape),
      heredoc: (t) => expandHeredoc(t, vars, this.df.escape),
    };
  }

  /** Run `fn` as step N: print its header, then CACHED or DONE with the time; record it. */
  private async step(stage: number, line: number, text: string, fn: () => Promise<StepOutcome>): Promise<void> {
    // An interrupted build stops at the next step even when the current one did not look at the signal.
    this.opts.signal?.throwIfAborted();
    const n = this.steps.length + 1;
    this.progress(`#${n} ${text}`);
    const started = Date.now();
    const r = await fn().catch((e: unknown) => {
      if (e instanceof WordExpansionError) throw new DockerfileError(this.file, line, e.message, e.hint);
      throw e;
    });
    const ms = Date.now() - started;
    this.steps.push({ stage, line, text, isCached: r.isCached, ms });
    this.progress(`#${n} ${r.isCached ? "CACHED" : `DONE ${seconds(ms)}`}`);
  }

  /** An earlier stage called `name` (stage names are lower-case), built already. */
  private stageByName(name: string, before: number): StageState | undefined {
    const lower = name.toLowerCase();
    const stage = this.df.stages.find((s) => s.index < before && s.from.stageName === lower);
    return stage === undefined ? undefined : this.results.get(stage.index);
  }

  /** `--from=` target: a stage by name or index, else undefined (an image). */
  private stageFor(ref: string): StageState | undefined {
    if (/^\d+$/.test(ref)) return this.results.get(Number(ref));
    const stage = this.df.stages.find((s) => s.from.stageName === ref.toLowerCase());
    return stage === undefined ? undefined : this.results.get(stage.index);
  }

  private async imageFor(ref: string, line: number, platform: Platform = this.platform): Promise<{ state: StageState }> {
    try {
      return await imageState(this.store, ref, platform, {
        ...(this.opts.insecureRegistries && { insecureRegistries: this.opts.insecureRegistries }),
        ...(this.opts.signal && { signal: this.opts.signal }),
      });
    } catch (e) {
      const err = e as Error;
      throw new DockerfileError(this.file, line, `base image ${ref}: ${err.message}`, "build or load it first (berth images lists what is here), or check the name");
    }
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
