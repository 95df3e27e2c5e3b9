import { interpolate, type VariableLookup } from "./interpolation.js";
import { ComposeFileError } from "./compose-file-error.js";

/** Options for {@link parseDotenv}. */
export interface DotenvOptions {
  /** Named in errors. */
  readonly file: string;
  /**
   * Resolves `${VAR}` in unquoted and double-quoted values, and gives the value
   * of a bare `VAR` line. Variables set earlier in the same file are looked up
   * after this one, as compose does for `.env` (the environment wins).
   */
  readonly lookup?: VariableLookup;
  /** `raw` keeps values as written: no quotes removed, no interpolation (env_file `format: raw`). */
  readonly format?: "compose" | "raw";
}

// compose-go's dotenv accepts these in names; a shell would accept fewer.
const KEY = /^[A-Za-z_][A-Za-z0-9_.\-[\]]*$/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"' };

/**
 * Parse a `.env` or `env_file` in compose's syntax (05-services.md "Env_file
 * format"): `KEY=value`, optional `export `, `#` comments (inline only after
 * whitespace in unquoted values), single quotes literal, double quotes with
 * `\n \r \t \\ \"` escapes, multi-line quoted values, interpolation in
 * unquoted and double-quoted values, `KEY` alone taken from `lookup` (or left
 * unset). Keys keep their first-seen order; a later line wins.
 *
 * Throws {@link ComposeFileError} naming the file and line: bytes that are
 * not UTF-8 text, a NUL, a bad key, an unterminated quote.
 */
export function parseDotenv(input: string | Uint8Array, opts: DotenvOptions): Record<string, string> {
  const text = typeof input === "string" ? input : decode(input, opts.file);
  const out: Record<string, string> = {};
  const lookup: VariableLookup = (name) => opts.lookup?.(name) ?? out[name];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const fail = (detail: string): never => {
      throw new ComposeFileError({ file: opts.file, line: lineNo }, detail, { hint: "each line is KEY=value, export KEY=value, KEY, a blank line or a # comment" });
    };
    const line = lines[i]!;
    if (line.includes("\0")) fail("NUL byte: this is not a text file");
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const body = trimmed.replace(/^export\s+/, "");
    const eq = body.search(/[=:]/);
    const key = (eq < 0 ? body : body.slice(0, eq)).trim();
    if (!KEY.test(key)) fail(`${JSON.stringify(key.slice(0, 40))} is not a variable name`);
    if (eq < 0) {
      const inherited = opts.lookup?.(key);
      if (inherited !== undefined) out[key] = inherited;
      continue;
    }
    let raw = body.slice(eq + 1).replace(/^[ \t]+/, "");
    if (opts.format === "raw") {
      out[key] = raw;
      continue;
    }
    const quote = raw[0];
    if (quote === "'" || quote === '"') {
      // A quoted value may span lines: gather until the closing quote.
      let end = closingQuote(raw, quote);
      while (end < 0 && i + 1 < lines.length) {
        raw += "\n" + lines[++i]!;
        end = closingQuote(raw, quote);
      }
      if (end < 0) fail(`the ${quote} quote of ${key} is never closed`);
      const tail = raw.slice(end + 1).trim();
      if (tail !== "" && !tail.startsWith("#")) fail(`unexpected ${JSON.stringify(tail.slice(0, 20))} after the closing quote of ${key}`);
      const inner = raw.slice(1, end);
      out[key] = quote === "'" ? inner.replace(/\\'/g, "'") : expand(unescape(inner), lookup, opts.file, lineNo);
    } else {
      const value = raw.replace(/\s+#.*$/, "").trim();
      out[key] = expand(value, lookup, opts.file, lineNo);
    }
  }
  return out;
}

function decode(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw new ComposeFileError({ file }, "not UTF-8 text", { cause: e, hint: "an env file is text: KEY=value lines" });
  }
}

function closingQuote(s: string, quote: string): number {
  for (let j = 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === quote) return j;
  }
  return -1;
}

// "\$" survives as "$$" so that interpolation turns it into a literal "$".
const unescape = (s: string): string => s.replace(/\\(.)/gs, (m, c: string) => (c === "$" ? "$$" : ESCAPES[c] ?? m));

function expand(value: string, lookup: VariableLookup, file: string, line: number): string {
  try {
    return interpolate(value, lookup).value;
  } catch (e) {
    const err = e as Error & { hint?: string };
    throw new ComposeFileError({ file, line }, err.message, { cause: e, ...(err.hint !== undefined && { hint: err.hint }) });
  }
}
