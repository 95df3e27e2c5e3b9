import { replacePattern, trimPrefix, trimSuffix } from "./expand-pattern.js";
import { isSpace, WordSplitter } from "./expand-word-splitter.js";

/**
 * docker's shell-word lexer (moby/buildkit frontend/dockerfile/shell/lex.go),
 * the one engine behind expandWord/expandWords and the parser's heredoc
 * detection. Quotes, escapes and `$` forms as docker reads them; not a shell:
 * no globbing, no command substitution, no arithmetic.
 */

export interface LexOptions {
  /** The Dockerfile's escape character: `\` or `` ` ``. */
  readonly escape: string;
  /** Value of a variable, undefined when unset. */
  readonly lookup: (name: string) => string | undefined;
  /** Keep quote characters in the output (docker's RawQuotes). */
  readonly rawQuotes?: boolean;
  /** Keep escape characters in the output (docker's RawEscapes). */
  readonly rawEscapes?: boolean;
  /** Leave `$VAR` and `${VAR…}` as written when VAR is unset (docker's SkipUnsetEnv). */
  readonly skipUnset?: boolean;
  /** Called with each name as it is read, before any default or pattern after it. */
  readonly onName?: (name: string) => void;
}

export interface LexResult {
  /** The word with quotes removed and variables expanded, whitespace kept. */
  readonly result: string;
  /** The same split on unquoted whitespace (whitespace from a `$` expansion splits too). */
  readonly words: readonly string[];
}

/** A syntax error in a word, in docker's wording; expand-words.ts wraps it. */
export class LexError extends Error {}

/** `${a:-${b:-…}}` nested deeper than this is refused rather than overflowing the stack. */
const MAX_NESTING = 200;

/** Lex one word or line. Throws LexError. */
export function lexWord(src: string, opts: LexOptions): LexResult {
  return new Lexer(src, opts).processStopOn("", opts.rawEscapes === true);
}

const SPECIAL_PARAMS = new Set(["@", "*", "#", "?", "-", "$", "!", "0"]);
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
class Lexer {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly o: LexOptions,
  ) {}

  /** The code point at the cursor, "" at the end. */
  private peek(): string {
    const c = this.src.charCodeAt(this.pos);
    if (Number.isNaN(c)) return "";
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = this.src.charCodeAt(this.pos + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return this.src.slice(this.pos, this.pos + 2);
    }
    return this.src[this.pos]!;
  }

  private next(): string {
    const ch = this.peek();
    this.pos += ch.length;
    return ch;
  }

  /** Read up to `stop` (consumed) or the end ("" = read to the end; otherwise the end is an error). */
  processStopOn(stop: string, rawEscapes: boolean): LexResult {
    let result = "";
    const words = new WordSplitter();
    while (this.pos < this.src.length) {
      const ch = this.peek();
      if (stop !== "" && ch === stop) {
        this.next();
        return { result, words: words.done() };
      }
      if (ch === "$") {
        const value = this.nested(() => this.processDollar());
        result += value;
        words.addString(value);
        continue;
      }
      if (ch === "'" || ch === '"') {
        const value = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote(rawEscapes);
        result += value;
        words.addRaw(value);
        continue;
      }
      const end = this.plainRunEnd(stop);
      if (end > this.pos) {
        // A run of ordinary characters is copied at once: a megabyte word must not be rebuilt one character at a time.
        const run = this.src.slice(this.pos, end);
        this.pos = end;
        result += run;
        words.addRaw(run);
        continue;
      }
      let c = this.next();
      if (c === this.o.escape) {
        if (rawEscapes) {
          words.addRaw(c);
          result += c;
        }
        c = this.next();
        if (c === "") break;
        words.addRaw(c);
      } else words.addChar(c);
      result += c;
    }
    if (stop !== "") throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
    return { result, words: words.done() };
  }

  /** Where the run of characters with no special meaning (and no white space) that starts at the cursor ends. */
  private plainRunEnd(stop: string): number {
    let end = this.pos;
    for (; end < this.src.length; end++) {
      const c = this.src[end]!;
      if (c === "$" || c === "'" || c === '"' || c === this.o.escape || c === stop || isSpace(c)) break;
    }
    return end;
  }

  private nested<T>(fn: () => T): T {
    if (++this.depth > MAX_NESTING) throw new LexError(`substitutions nested more than ${MAX_NESTING} deep`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private processSingleQuote(): string {
    const close = this.src.indexOf("'", this.pos + 1);
    if (close < 0) throw new LexError("unexpected end of statement while looking for matching single-quote");
    const text = this.src.slice(this.o.rawQuotes ? this.pos : this.pos + 1, this.o.rawQuotes ? close + 1 : close);
    this.pos = close + 1;
    return text;
  }

  private processDoubleQuote(rawEscapes: boolean): string {
    const quote = this.next();
    let result = this.o.rawQuotes ? quote : "";
    for (;;) {
      const p = this.peek();
      if (p === "") throw new LexError("unexpected end of statement while looking for matching double-quote");
      if (p === '"') {
        this.next();
        return this.o.rawQuotes ? result + p : result;
      }
      if (p === "$") {
        result += this.nested(() => this.processDollar());
        continue;
      }
      let end = this.pos;
      while (end < this.src.length && this.src[end] !== '"' && this.src[end] !== "$" && this.src[end] !== this.o.escape) end++;
      if (end > this.pos) {
        result += this.src.slice(this.pos, end);
        this.pos = end;
        continue;
      }
      let ch = this.next();
      if (ch === this.o.escape) {
        if (rawEscapes) result += ch;
        const after = this.peek();
        if (after === "") continue;
        // Only " $ and the escape itself can be escaped inside double quotes; any other escape stays.
        if (after === '"' || after === "$" || after === this.o.escape) ch = this.next();
      }
      result += ch;
    }
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      this.o.onName?.(name);
      const value = this.o.lookup(name);
      if (value === undefined && this.o.skipUnset) return `$${name}`;
      return value ?? "";
    }
    this.next();
    const first = this.peek();
    if (first === "") throw new LexError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LexError("syntax error: bad substitution");
    const name = this.processName();
    this.o.onName?.(name);
    const ch = this.next();
    if (ch === "}") {
      const value = this.o.lookup(name);
      if (value === undefined && this.o.skipUnset) return `\${${name}}`;
      return value ?? "";
    }
    if (ch === "") throw new LexError("syntax error: missing '}'");
    if (ch === ":") {
      const op = this.next();
      return this.modifier(name, op, `:${op}`, true);
    }
    if ("+-?#%".includes(ch)) return this.modifier(name, ch, ch, false);
    if (ch === "/") return this.substitution(name);
    throw new LexError(`unsupported modifier (${ch}) in substitution`);
  }

  private modifier(name: string, op: string, written: string, nullIsUnset: boolean): string {
    const patternOp = op === "#" || op === "%";
    const word = this.untilBrace(patternOp);
    const value = this.o.lookup(name);
    if (value === undefined && this.o.skipUnset) return `\${${name}${written}${word}}`;
    const missing = value === undefined || (nullIsUnset && value === "");
    switch (op) {
      case "-":
        return missing ? word : value!;
      case "+":
        return missing ? "" : word;
      case "?":
        if (value === undefined) throw new LexError(`${name}: ${word || "is not allowed to be unset"}`);
        if (missing) throw new LexError(`${name}: ${word || "is not allowed to be empty"}`);
        return value;
      case "#":
      case "%": {
        // `##` / `%%` take the longest match, `#` / `%` the shortest.
        const longest = word.startsWith(op);
        const pattern = longest ? word.slice(op.length) : word;
        return withPattern(pattern, () => (op === "%" ? trimSuffix : trimPrefix)(pattern, value ?? "", longest));
      }
      default:
        throw new LexError(`unsupported modifier (${written}) in substitution`);
    }
  }

  private substitution(name: string): string {
    const all = this.peek() === "/";
    if (all) this.next();
    let pattern: string;
    try {
      pattern = this.processStopOn("/", true).result;
    } catch (e) {
      if (this.peek() === "") throw new LexError("syntax error: missing '/' in ${}");
      throw e;
    }
    const replacement = this.untilBrace(true);
    const value = this.o.lookup(name);
    if (value === undefined && this.o.skipUnset) return `\${${name}/${pattern}/${replacement}}`;
    return withPattern(pattern, () => replacePattern(pattern, value ?? "", replacement, all));
  }

  private untilBrace(rawEscapes: boolean): string {
    try {
      return this.processStopOn("}", rawEscapes).result;
    } catch (e) {
      if (this.peek() === "") throw new LexError("syntax error: missing '}'");
      throw e;
    }
  }

  /** A name: letters, digits and `_`; or a run of digits (`$1`); or one special parameter (`$?`). */
  private processName(): string {
    let name = "";
    while (this.pos < this.src.length) {
      const ch = this.peek();
      if (name === "" && DIGIT.test(ch)) {
        while (DIGIT.test(this.peek())) name += this.next();
        return name;
      }
      if (name === "" && SPECIAL_PARAMS.has(ch)) return this.next();
      if (ch !== "_" && !LETTER.test(ch) && !DIGIT.test(ch)) break;
      name += this.next();
    }
    return name;
  }
}

function withPattern(pattern: string, fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    throw new LexError(`invalid pattern (${pattern}) in substitution: ${(e as Error).message}`);
  }
}
