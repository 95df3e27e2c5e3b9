import { isSpace } from "./expand-word-splitter.js";

/**
 * How docker's parser cuts an instruction's arguments into words, before any
 * expansion (moby/buildkit frontend/dockerfile/parser/line_parsers.go and
 * split_command.go). Quotes are kept: expand-words.ts removes them at build
 * time.
 */

/** Go's strings.TrimSpace (Unicode white space). Loops, not a RegExp: lines can be a megabyte long. */
export function trimSpace(s: string): string {
  return trimEnd(trimLeft(s));
}

/** Go's bytes.TrimLeftFunc(s, unicode.IsSpace). */
export function trimLeft(s: string): string {
  let i = 0;
  while (i < s.length && isSpace(s[i]!)) i++;
  return i === 0 ? s : s.slice(i);
}

function trimEnd(s: string): string {
  let j = s.length;
  while (j > 0 && isSpace(s[j - 1]!)) j--;
  return j === s.length ? s : s.slice(0, j);
}

/** Words split on runs of ` \t\v\f\r`, quotes not considered (FROM, EXPOSE, COPY/ADD/VOLUME outside JSON). */
export function splitWhitespace(s: string): string[] {
  return s === "" ? [] : s.split(/[\t\v\f\r ]+/);
}

/**
 * Words split on unquoted white space, quotes and escapes kept in the word
 * (ARG, ENV, LABEL: docker's parseWords). An escape at the very end is dropped.
 * Each word is a slice of the input, so a megabyte value is not rebuilt
 * character by character.
 */
export function splitQuotedWords(s: string, escape: string): string[] {
  const words: string[] = [];
  let start = -1;
  let quote = "";
  let i = 0;
  for (; i < s.length; i++) {
    const ch = s[i]!;
    if (start < 0) {
      if (isSpace(ch)) continue;
      start = i;
    }
    if (quote === "") {
      if (isSpace(ch)) {
        words.push(s.slice(start, i));
        start = -1;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === escape) i++;
    } else if (ch === quote) quote = "";
    else if (ch === escape && quote !== "'") i++;
  }
  if (start >= 0) {
    // An escape as the last character escapes nothing and is dropped.
    const end = i > s.length ? s.length - 1 : s.length;
    if (end > start) words.push(s.slice(start, end));
  }
  return words;
}

/** Thrown for a JSON array holding something other than strings: docker refuses it rather than reading shell form. */
export class JsonArrayError extends Error {
  constructor() {
    super("when using JSON array syntax, arrays must be comprised of strings only");
  }
}

/**
 * The arguments as a JSON array of strings (exec form), or undefined when
 * they are not valid JSON — docker then reads them as shell form, so
 * `CMD ['a']` is the shell command `['a']`. Throws JsonArrayError for valid
 * JSON that is not an array of strings (`CMD [1]`).
 */
export function parseJsonArray(args: string): string[] | undefined {
  const s = trimLeft(args);
  if (!s.startsWith("[")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) throw new JsonArrayError();
  return value;
}

/**
 * Leading `--name[=value]` words of an instruction's arguments, quotes
 * removed and `\` escapes applied, and the rest. A bare `--` ends the flags
 * and is dropped (docker's extractBuilderFlags).
 */
export function extractFlags(args: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < args.length && isSpace(args[pos]!)) pos++;
    if (!args.startsWith("--", pos)) return { flags, rest: args.slice(pos) };
    let word = "";
    let quote = "";
    let blankOk = false;
    for (; pos < args.length; pos++) {
      let ch = args[pos]!;
      if (quote === "" && isSpace(ch)) break;
      if (quote === "" && (ch === "'" || ch === '"')) {
        quote = ch;
        blankOk = true;
        continue;
      }
      if (quote !== "" && ch === quote) {
        quote = "";
        continue;
      }
      if (ch === "\\") {
        if (pos + 1 === args.length) {
          quote = "";
          continue;
        }
        ch = args[++pos]!;
      }
      word += ch;
    }
    if (word === "--") return { flags, rest: args.slice(pos) };
    if (blankOk || word !== "") flags.push(word);
  }
}
