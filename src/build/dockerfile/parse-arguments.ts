import { parseGoDuration } from "../../oci/index.js";
import type { CommandForm, Heredoc, InstructionFlags } from "./dockerfile-ast.js";
import { excerpt } from "./dockerfile-errors.js";
import { LexError } from "./expand-lexer.js";
import type { EscapeChar } from "./expand-words.js";
import { parseHeredocMarker, type HeredocMarker } from "./parse-heredocs.js";
import { parseJsonArray, splitQuotedWords, splitWhitespace, trimLeft } from "./parse-words.js";

/**
 * The argument rules of the instructions with more than one part (docker's
 * instructions/parse.go). Each throws ArgumentError, which the instruction
 * parser turns into a DockerfileError naming the line.
 */

/** A message about an instruction's arguments; parse-instruction.ts adds file and line. */
export class ArgumentError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;

/** `FROM image` or `FROM image AS name` (name lower-cased, as docker does). */
export function parseFrom(words: readonly string[]): { image: string; stageName?: string } {
  const [image, as, name] = words;
  if (image !== undefined && words.length === 1) return { image };
  if (image === undefined || words.length !== 3 || as?.toLowerCase() !== "as" || name === undefined) {
    throw new ArgumentError("FROM requires either one or three arguments", "write FROM image or FROM image AS name");
  }
  const stageName = name.toLowerCase();
  if (!STAGE_NAME.test(stageName)) {
    throw new ArgumentError(`invalid name for build stage: "${excerpt(name)}", name can't start with a number or contain symbols`,
      "use letters, digits, '.', '_' and '-', starting with a letter");
  }
  return { image, stageName };
}

/** `ARG A B=1 C="x y"`: names with optional defaults, quotes kept for expansion. */
export function parseArg(args: string, escape: EscapeChar): { name: string; default?: string }[] {
  return splitQuotedWords(args, escape).map((word) => {
    const eq = word.indexOf("=");
    if (eq < 0) return { name: word };
    if (eq === 0) throw new ArgumentError("ARG names can not be blank");
    return { name: word.slice(0, eq), default: word.slice(eq + 1) };
  });
}

/**
 * ENV and LABEL: `K=V K2="v 2"` pairs, or the legacy `K value with spaces`
 * (one pair, the value the rest of the line) when the first word has no `=`.
 */
export function parseNameValues(kind: "ENV" | "LABEL", args: string, escape: EscapeChar): { name: string; value: string }[] {
  const words = splitQuotedWords(args, escape);
  if (words.length === 0) throw new ArgumentError(`${kind} requires at least one argument`);
  if (!words[0]!.includes("=")) {
    const m = /[\t\v\f\r ]+/.exec(args);
    if (!m) throw new ArgumentError(`${kind} must have two arguments`, `write ${kind} name=value`);
    return [{ name: args.slice(0, m.index), value: args.slice(m.index + m[0].length) }];
  }
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq < 0) {
      throw new ArgumentError(`Syntax error - can't find = in "${excerpt(word)}". Must be of the form: name=value`,
        `quote values with spaces: ${kind} name="a value"`);
    }
    if (eq === 0) throw new ArgumentError(`${kind} names can not be blank`);
    return { name: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

/** Exec form when the arguments are a JSON array of strings, else shell form with the text as written. */
export function commandForm(args: string): CommandForm {
  const exec = parseJsonArray(args);
  return exec === undefined ? { form: "shell", command: args } : { form: "exec", args: exec };
}

/**
 * COPY/ADD sources and destination (JSON array, or words split on blanks —
 * quotes do not group words, as in docker). Heredoc sources (`<<EOF`) are
 * left out of `sources`: their bodies are the `heredocs`, each written to
 * the destination under its delimiter's name.
 */
export function parseCopy(kind: "COPY" | "ADD", args: string, heredocs: readonly Heredoc[]): {
  sources: string[]; destination: string; heredocs: readonly Heredoc[];
} {
  const json = parseJsonArray(args);
  const list = json ?? splitWhitespace(args);
  if (list.length < 2) {
    throw new ArgumentError(`${kind} requires at least two arguments, but only one was provided. Destination could not be determined`,
      `write ${kind} source... destination`);
  }
  const destination = list[list.length - 1]!;
  if (json) return { sources: list.slice(0, -1), destination, heredocs: [] };
  if (heredocOf(destination)) throw new ArgumentError(`${kind} cannot accept a heredoc as a destination`);
  const sources: string[] = [];
  for (const source of list.slice(0, -1)) {
    const marker = heredocOf(source);
    if (!marker) sources.push(source);
    else if (!heredocs.some((h) => h.name === marker.name)) {
      throw new ArgumentError(`${kind}: heredoc <<${excerpt(marker.name)} has no body`, "the line has an unclosed quote, so docker's rules read no heredoc from it");
    }
  }
  return { sources, destination, heredocs };
}

function heredocOf(word: string): HeredocMarker | undefined {
  try {
    return parseHeredocMarker(word);
  } catch (e) {
    // docker reads a word with a broken delimiter (`<<'EOF`) as a plain path.
    if (e instanceof LexError) return undefined;
    throw e;
  }
}

const DURATION_FLAGS = ["interval", "timeout", "start-period", "start-interval"] as const;

/** `HEALTHCHECK NONE` or `HEALTHCHECK [flags] CMD command`; the flags' durations and retries are checked here. */
export function parseHealthcheck(args: string, flags: InstructionFlags): "NONE" | CommandForm {
  const m = /[\t\n\v\f\r ]/.exec(args);
  const type = m ? args.slice(0, m.index) : args;
  const rest = m ? trimLeft(args.slice(m.index)) : "";
  if (type.toUpperCase() === "NONE") {
    if (rest !== "") throw new ArgumentError("HEALTHCHECK NONE takes no arguments");
    return "NONE";
  }
  if (type.toUpperCase() !== "CMD") throw new ArgumentError(`Unknown type "${excerpt(type)}" in HEALTHCHECK (try CMD)`);
  const command = rest === "" ? undefined : commandForm(rest);
  if (command === undefined || (command.form === "exec" && command.args.length === 0)) {
    throw new ArgumentError("Missing command after HEALTHCHECK CMD");
  }
  for (const name of DURATION_FLAGS) {
    const v = flags[name];
    if (typeof v !== "string") continue;
    const ns = parseGoDuration(v);
    if (ns === undefined) throw new ArgumentError(`HEALTHCHECK --${name}=${excerpt(v)}: not a duration`, "write a number with a unit: 30s, 1m30s, 500ms");
    if (ns < 1e6) throw new ArgumentError(`Interval "${name}" cannot be less than 1ms`);
  }
  const retries = flags.retries;
  if (typeof retries === "string") {
    const n = /^[+-]?\d+$/.test(retries) ? Number(retries) : NaN;
    if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1) throw new ArgumentError(`HEALTHCHECK --retries=${excerpt(retries)}: not a whole number`);
    if (n < 1) throw new ArgumentError(`--retries must be at least 1 (not ${n})`);
  }
  return command;
}
