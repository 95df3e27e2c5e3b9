import type { Dockerfile, Instruction, Stage } from "./dockerfile-ast.js";
import { DockerfileError, excerpt, WordExpansionError } from "./dockerfile-errors.js";
import { expandWord } from "./expand-words.js";
import { flagValues } from "./parse-flags.js";

/** A stage the target needs, with what it needs in turn. */
export interface PlannedStage extends Stage {
  /** What FROM builds on: an earlier stage, or an image reference (expanded; may be `scratch`). */
  readonly base: { readonly stage: number } | { readonly image: string };
  /** Earlier stages this one reads (its FROM, COPY --from, RUN --mount from=): indexes, ascending, each once. */
  readonly dependsOn: readonly number[];
  /** Images COPY --from / RUN --mount from= name that are not stages, expanded, in order, each once. */
  readonly imageSources: readonly string[];
}

export interface StagePlanOptions {
  /** For error messages; default "Dockerfile". */
  readonly file?: string;
  /** `--build-arg` values: they replace the defaults of the ARGs declared before the first FROM. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Arguments defined without an ARG (TARGETPLATFORM, BUILDARCH, …); a global ARG of the same name may override them. */
  readonly builtinArgs?: Readonly<Record<string, string>>;
}

/**
 * The values of the ARGs before the first FROM, which FROM lines (and
 * `--from=`) expand with: built-in args, then each global ARG in order — its
 * `--build-arg` value if given, else its default expanded with the values so
 * far; a bare `ARG NAME` with no build-arg leaves NAME as it was (a built-in
 * keeps its value, anything else stays unset). Throws DockerfileError for a
 * default that does not expand.
 */
export function resolveGlobalArgs(df: Dockerfile, options: StagePlanOptions = {}): Map<string, string> {
  const file = options.file ?? "Dockerfile";
  const vars = new Map(Object.entries(options.builtinArgs ?? {}));
  const given = options.buildArgs ?? {};
  for (const ins of df.globalArgs) {
    for (const arg of ins.args) {
      if (Object.hasOwn(given, arg.name)) vars.set(arg.name, given[arg.name]!);
      else if (arg.default !== undefined) vars.set(arg.name, expandAt(file, ins.line, arg.default, vars, df));
      // A bare `ARG NAME` keeps a built-in's value (`ARG TARGETOS`), else NAME stays unset.
    }
  }
  return vars;
}

/**
 * The stages needed to build `target` (a stage name, any case; default the
 * last stage), in Dockerfile order — dependencies always come first, since a
 * stage can only use earlier ones. Stages the target does not need are left
 * out, as BuildKit skips them.
 *
 * `FROM name` and `--from=name` refer to an earlier stage called `name`;
 * a name that is not an earlier stage's (a later stage, the stage itself, or
 * no stage) is an image reference, as in docker's classic builder — so a
 * cycle cannot be written. `--from=N` refers to stage N, which must come
 * before. FROM and `--from` are expanded with the global ARGs
 * (resolveGlobalArgs) first. Throws DockerfileError for an unknown target,
 * a bad stage index, or a word that does not expand.
 */
export function planStages(df: Dockerfile, target?: string, options: StagePlanOptions = {}): PlannedStage[] {
  const file = options.file ?? "Dockerfile";
  const vars = resolveGlobalArgs(df, options);
  const named = new Map(df.stages.flatMap((s) => (s.from.stageName === undefined ? [] : [[s.from.stageName, s.index] as const])));
  const planned = df.stages.map((stage) => planStage(df, stage, { vars, named, file }));
  const last = planned[planned.length - 1];
  const root = target === undefined ? last : planned.find((s) => s.from.stageName === target.toLowerCase());
  if (root === undefined) {
    const names = df.stages.flatMap((s) => (s.from.stageName === undefined ? [] : [s.from.stageName]));
    throw new DockerfileError(file, 0, `target stage "${excerpt(target ?? "")}" could not be found`,
      names.length > 0 ? `the named stages are: ${names.join(", ")}` : "no stage has a name: write FROM image AS name",
      { code: "NOT_FOUND" });
  }
  const needed = new Set<number>();
  // A worklist, not recursion: a chain of thousands of stages must not exhaust the stack.
  const todo = [root.index];
  for (let index = todo.pop(); index !== undefined; index = todo.pop()) {
    if (needed.has(index)) continue;
    needed.add(index);
    todo.push(...planned[index]!.dependsOn);
  }
  return planned.filter((s) => needed.has(s.index));
}

interface PlanContext {
  readonly vars: ReadonlyMap<string, string>;
  /** Stage name → index; names are unique (the parser checks). */
  readonly named: ReadonlyMap<string, number>;
  readonly file: string;
}

function planStage(df: Dockerfile, stage: Stage, ctx: PlanContext): PlannedStage {
  const { vars, file } = ctx;
  const earlierStageNamed = (name: string): number | undefined => {
    const index = ctx.named.get(name.toLowerCase());
    return index !== undefined && index < stage.index ? index : undefined;
  };
  const dependsOn = new Set<number>();
  const images: string[] = [];
  const image = expandAt(file, stage.from.line, stage.from.image, vars, df);
  const baseStage = earlierStageNamed(image);
  if (baseStage !== undefined) dependsOn.add(baseStage);
  for (const ins of stage.instructions) {
    for (const written of sourcesOf(ins)) {
      const ref = expandAt(file, ins.line, written, vars, df);
      const dep = /^[+-]?\d+$/.test(ref) ? stageIndex(ref, stage.index, file, ins.line) : earlierStageNamed(ref);
      if (dep !== undefined) dependsOn.add(dep);
      else if (!images.includes(ref)) images.push(ref);
    }
  }
  return {
    ...stage,
    base: baseStage === undefined ? { image } : { stage: baseStage },
    dependsOn: [...dependsOn].sort((a, b) => a - b),
    imageSources: images,
  };
}

/** The `--from=` of COPY and the `from=` of each RUN --mount, as written. */
function sourcesOf(ins: Instruction): string[] {
  if (ins.kind === "COPY" || ins.kind === "ADD") return flagValues(ins.flags, "from");
  if (ins.kind !== "RUN") return [];
  return flagValues(ins.flags, "mount").flatMap((spec) =>
    splitCsv(spec).flatMap((field) => {
      const eq = field.indexOf("=");
      return eq > 0 && field.slice(0, eq).trim().toLowerCase() === "from" ? [field.slice(eq + 1)] : [];
    }));
}

function stageIndex(ref: string, current: number, file: string, line: number): number {
  const n = Number(ref);
  if (n < 0 || n >= current) {
    throw new DockerfileError(file, line, `--from=${excerpt(ref)}: stage ${ref} is not an earlier stage (this is stage ${current})`,
      "stages are numbered from 0 in order; a stage can read only the stages before it");
  }
  return n;
}

/** One CSV record (docker reads --mount values with encoding/csv): commas split, double quotes group. */
function splitCsv(record: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i]!;
    if (ch === '"') {
      if (quoted && record[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === "," && !quoted) {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function expandAt(file: string, line: number, word: string, vars: ReadonlyMap<string, string>, df: Dockerfile): string {
  try {
    return expandWord(word, vars, df.escape);
  } catch (e) {
    if (e instanceof WordExpansionError) throw new DockerfileError(file, line, e.message, e.hint, { cause: e });
    throw e;
  }
}
