import type { Heredoc, Instruction, InstructionFlags } from "./dockerfile-ast.js";
import { DockerfileError, excerpt } from "./dockerfile-errors.js";
import type { EscapeChar } from "./expand-words.js";
import {
  ArgumentError, commandForm, parseArg, parseCopy, parseFrom, parseHealthcheck, parseNameValues,
} from "./parse-arguments.js";
import { parseFlags } from "./parse-flags.js";
import { extractFlags, JsonArrayError, parseJsonArray, splitWhitespace, trimSpace } from "./parse-words.js";

/** An instruction's line cut as docker's splitCommand cuts it. */
export interface SplitLine {
  /** The keyword as written (`run`, `RUN`, `Copy`). */
  readonly keyword: string;
  /** `--name[=value]` words before the arguments. */
  readonly flagWords: readonly string[];
  /** The arguments, trimmed. */
  readonly args: string;
}

/** Everything the instruction parsers need to know about one logical line. */
export interface InstructionSource {
  readonly file: string;
  readonly line: number;
  /** The logical line, trimmed: SourceLine.text. */
  readonly text: string;
  readonly escape: EscapeChar;
  /** Bodies of the heredocs the line opens (tabs already stripped for `<<-`). */
  readonly heredocs: readonly Heredoc[];
  /** The same bodies as written, for an ONBUILD trigger's text. */
  readonly rawBodies: readonly string[];
}

export const INSTRUCTIONS = [
  "FROM", "ARG", "ENV", "LABEL", "RUN", "COPY", "ADD", "CMD", "ENTRYPOINT", "SHELL", "EXPOSE", "VOLUME",
  "WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER", "HEALTHCHECK", "ONBUILD",
] as const;
const KNOWN = new Set<string>(INSTRUCTIONS);
const BLANKS = /[\t\v\f\r ]+/;

/** Keyword (first run of non-blanks), flags and arguments of a logical line. */
export function splitInstruction(text: string): SplitLine {
  const trimmed = trimSpace(text);
  const m = BLANKS.exec(trimmed);
  if (!m) return { keyword: trimmed, flagWords: [], args: "" };
  const { flags, rest } = extractFlags(trimmed.slice(m.index + m[0].length));
  return { keyword: trimmed.slice(0, m.index), flagWords: flags, args: trimSpace(rest) };
}

/** RUN, COPY and ADD read heredocs, unless written in JSON form; ONBUILD passes its trigger's rule on. */
export function opensHeredocs(split: SplitLine): boolean {
  // One level only: ONBUILD ONBUILD is refused anyway, and a line of a million ONBUILDs must not recurse.
  const own = split.keyword.toUpperCase() === "ONBUILD" ? splitInstruction(split.args) : split;
  const kw = own.keyword.toUpperCase();
  if (kw !== "RUN" && kw !== "COPY" && kw !== "ADD") return false;
  try {
    return parseJsonArray(own.args) === undefined;
  } catch {
    return false;
  }
}

/**
 * One instruction from its line. Throws DockerfileError naming the line for
 * an unknown instruction, bad flags, or arguments docker would refuse.
 */
export function parseInstruction(src: InstructionSource): Instruction {
  return parseSplit(splitInstruction(src.text), src);
}

function parseSplit(split: SplitLine, src: InstructionSource): Instruction {
  const fail = (detail: string, hint?: string): never => {
    throw new DockerfileError(src.file, src.line, detail, hint);
  };
  const kind = split.keyword.toUpperCase();
  if (!KNOWN.has(kind)) {
    const near = INSTRUCTIONS.find((k) => editDistance(k, kind) <= 2);
    return fail(`unknown instruction: ${excerpt(split.keyword, 40)}`, near ? `did you mean ${near}?` : `instructions are ${INSTRUCTIONS.join(", ")}`);
  }
  let flags: InstructionFlags;
  try {
    flags = parseFlags(kind, split.flagWords);
  } catch (e) {
    return fail(`${kind}: ${(e as Error).message}`);
  }
  const base = { line: src.line, text: trimSpace(src.text), flags };
  const args = split.args;
  const atLeastOne = (): void => {
    if (args === "") fail(`${kind} requires at least one argument`);
  };
  try {
    switch (kind) {
      case "FROM":
        return { ...base, kind, ...parseFrom(splitWhitespace(args)) };
      case "ARG":
        atLeastOne();
        return { ...base, kind, args: parseArg(args, src.escape) };
      case "ENV":
      case "LABEL":
        atLeastOne();
        return { ...base, kind, pairs: parseNameValues(kind, args, src.escape) };
      case "RUN": {
        atLeastOne();
        const command = commandForm(args);
        if (command.form === "exec" && command.args.length === 0) fail("RUN requires at least one argument");
        return { ...base, kind, command, heredocs: src.heredocs };
      }
      case "CMD":
      case "ENTRYPOINT":
        atLeastOne();
        return { ...base, kind, command: commandForm(args) };
      case "SHELL": {
        atLeastOne();
        const shell = parseJsonArray(args);
        if (shell === undefined) return fail("SHELL requires the arguments to be in JSON form", 'write SHELL ["/bin/bash", "-c"]');
        if (shell.length === 0) return fail("SHELL requires at least one argument");
        return { ...base, kind, args: shell };
      }
      case "COPY":
      case "ADD":
        return { ...base, kind, ...parseCopy(kind, args, src.heredocs) };
      case "EXPOSE":
        atLeastOne();
        return { ...base, kind, words: splitWhitespace(args) };
      case "VOLUME": {
        const words = parseJsonArray(args) ?? splitWhitespace(args);
        if (words.length === 0) fail("VOLUME requires at least one argument");
        if (words.some((w) => trimSpace(w) === "")) fail("VOLUME specified can not be an empty string");
        return { ...base, kind, words: words.map(trimSpace) };
      }
      case "WORKDIR":
      case "USER":
      case "STOPSIGNAL":
      case "MAINTAINER":
        if (args === "") fail(`${kind} requires exactly one argument`);
        return { ...base, kind, words: [args] };
      case "HEALTHCHECK":
        atLeastOne();
        return { ...base, kind, test: parseHealthcheck(args, flags) };
      default:
        return { ...base, kind: "ONBUILD", trigger: onbuildTrigger(split, src) };
    }
  } catch (e) {
    if (e instanceof DockerfileError) throw e;
    if (e instanceof JsonArrayError || e instanceof ArgumentError) return fail(e.message, e instanceof ArgumentError ? e.hint : undefined);
    throw e;
  }
}

function onbuildTrigger(split: SplitLine, src: InstructionSource): string {
  if (split.args === "") throw new ArgumentError("ONBUILD requires at least one argument");
  const trigger = splitInstruction(split.args);
  const kind = trigger.keyword.toUpperCase();
  if (kind === "ONBUILD") throw new ArgumentError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (kind === "FROM" || kind === "MAINTAINER") throw new ArgumentError(`${kind} isn't allowed as an ONBUILD trigger`);
  // Parsed now so a typo fails this build, not the builds that use the image.
  parseSplit(trigger, src);
  let text = trimSpace(src.text).replace(/^ONBUILD[\t\v\f\r ]*/i, "");
  src.heredocs.forEach((h, i) => {
    text += `\n${src.rawBodies[i] ?? h.content}${h.name}`;
  });
  return text;
}

/** Levenshtein distance, for "did you mean" on short keywords. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || b.length > 20) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
