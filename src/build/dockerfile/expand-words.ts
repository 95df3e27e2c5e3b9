import { WordExpansionError } from "./dockerfile-errors.js";
import { LexError, lexWord, type LexResult } from "./expand-lexer.js";

/**
 * Variable expansion in Dockerfile words, with the semantics of docker's
 * shell lexer (moby/buildkit frontend/dockerfile/shell/lex.go):
 *
 * - `$VAR`, `${VAR}`; unset variables expand to "" (never an error);
 * - `${VAR:-word}` / `${VAR-word}`: word when VAR is unset or empty / unset;
 * - `${VAR:+word}` / `${VAR+word}`: word when VAR is set and non-empty / set;
 * - `${VAR:?msg}` / `${VAR?msg}`: an error when VAR is unset or empty / unset;
 * - `${VAR#pat}` `${VAR##pat}` `${VAR%pat}` `${VAR%%pat}`: trim the shortest
 *   / longest matching prefix / suffix (`*`, `?`, `\*` patterns);
 * - `${VAR/pat/repl}`, `${VAR//pat/repl}`: replace the first / every match;
 * - `'…'` is literal; `"…"` expands `$` and honours escapes of `"`, `$` and
 *   the escape character only; the escape character (`\`, or `` ` `` after
 *   `# escape=`) makes the next character literal;
 * - `$1`, `$@`, `$?`… are looked up like any name (and so are usually "").
 *
 * The words are as written in the Dockerfile (parseDockerfile keeps them so);
 * `vars` holds the ARG and ENV values in effect.
 */

export type EscapeChar = "\\" | "`";

/**
 * One word, quotes removed and variables expanded, whitespace kept (WORKDIR,
 * USER, ENV and LABEL values, `--chown`…). Throws WordExpansionError.
 */
export function expandWord(word: string, vars: ReadonlyMap<string, string>, escape: EscapeChar = "\\"): string {
  return lex(word, vars, escape).result;
}

/**
 * The text expanded and split on unquoted whitespace (EXPOSE, VOLUME, COPY
 * arguments, an ARG value holding several ports…). A variable's value splits
 * where it holds whitespace unless it is quoted (`"$X"`); empty words are
 * dropped. Throws WordExpansionError.
 */
export function expandWords(text: string, vars: ReadonlyMap<string, string>, escape: EscapeChar = "\\"): string[] {
  return [...lex(text, vars, escape).words];
}

/**
 * A heredoc body with variables expanded but quotes and escapes kept, as
 * BuildKit expands an unquoted `<<EOF` body (a lexer with RawQuotes and
 * RawEscapes): `echo "$HOME"` stays a valid shell line. Throws WordExpansionError.
 */
export function expandHeredoc(body: string, vars: ReadonlyMap<string, string>, escape: EscapeChar = "\\"): string {
  try {
    return lexWord(body, { escape, lookup: (name) => vars.get(name), rawQuotes: true, rawEscapes: true }).result;
  } catch (e) {
    if (e instanceof LexError) throw new WordExpansionError(body, e.message);
    throw e;
  }
}

const NAME = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;
const LOOSE_REFERENCE = /\$\{?[#!]?([\p{L}_][\p{L}\p{Nd}_]*)/gu;

/**
 * Names of the variables a word refers to, in first-use order — every `$X`
 * and `${X…}` outside single quotes and escapes, including those in an
 * alternative that a given value would not pick (`${A:-$B}` uses A and B).
 * Positional and special parameters (`$1`, `$?`) are left out. Never throws:
 * for text docker's lexer rejects — such as shell code in a RUN command
 * (`${#X}`) — it falls back to every `$NAME` in the text, which may name
 * more than is used but never fewer (safe for a cache key).
 */
export function wordVariables(text: string, escape: EscapeChar = "\\"): string[] {
  const names = new Set<string>();
  try {
    // Every name looks set and non-empty, so ${X:?} does not throw and every branch is read.
    lexWord(text, { escape, onName: (name) => names.add(name), lookup: () => "x" });
    return [...names].filter((n) => NAME.test(n));
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    return [...new Set(Array.from(text.matchAll(LOOSE_REFERENCE), (m) => m[1]!))];
  }
}

function lex(word: string, vars: ReadonlyMap<string, string>, escape: EscapeChar): LexResult {
  try {
    return lexWord(word, { escape, lookup: (name) => vars.get(name) });
  } catch (e) {
    if (e instanceof LexError) throw new WordExpansionError(word, e.message);
    throw e;
  }
}
