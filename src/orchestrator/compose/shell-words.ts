import { InvalidArgumentError } from "../../oci/index.js";

/** The words of a command string, and what compose's splitter silently left out. */
export interface ShellWords {
  readonly words: readonly string[];
  /**
   * The text from the first unquoted `;`, `&`, `|`, `<` or `>` on. docker
   * compose (go-shellwords) stops there and drops it without a word; berth
   * splits the same way and reports it so the caller can warn.
   */
  readonly dropped?: string;
}

const isSpace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";

/**
 * Split a `command:` or `entrypoint:` string as docker compose does
 * (mattn/go-shellwords `Parse` with environment and backtick expansion off):
 * blanks separate words; single quotes are literal; double quotes group;
 * a backslash outside single quotes escapes the next character (`\t` and `\n`
 * become a tab and a newline); `$(…)` and backticks are kept as text.
 *
 * Throws InvalidArgumentError for an unclosed quote, a trailing backslash or
 * a bare parenthesis, as compose does ("invalid command line string").
 */
export function splitShellWords(line: string): ShellWords {
  const words: string[] = [];
  let buf = "";
  let hasWord = false;
  let escaped = false, single = false, double = false, backQuote = false, dollarQuote = false;
  const chars = [...line];
  let offset = 0;
  for (let i = 0; i < chars.length; offset += chars[i]!.length, i++) {
    const c = chars[i]!;
    if (escaped) {
      escaped = false;
      if (backQuote || dollarQuote) buf += "\\" + c;
      else buf += c === "t" ? "\t" : c === "n" ? "\n" : c;
      hasWord = true;
      continue;
    }
    if (c === "\\") {
      if (single) buf += c;
      else escaped = true;
      continue;
    }
    if (isSpace(c)) {
      if (single || double || backQuote || dollarQuote) buf += c;
      else if (hasWord) {
        words.push(buf);
        buf = "";
        hasWord = false;
      }
      continue;
    }
    const quoted = single || double || backQuote || dollarQuote;
    if (c === "`" && !single && !double && !dollarQuote) backQuote = !backQuote;
    else if (c === ")" && !single && !double && !backQuote) {
      if (!dollarQuote) throw invalid(line, "a \")\" without \"$(\"");
      dollarQuote = false;
    } else if (c === "(" && !single && !double && !backQuote) {
      if (dollarQuote || !buf.endsWith("$") || buf.endsWith("\\$")) throw invalid(line, "a \"(\" outside \"$(\"");
      dollarQuote = true;
    } else if (c === '"' && !single && !dollarQuote && !backQuote) {
      if (double) hasWord = true;
      double = !double;
      continue;
    } else if (c === "'" && !double && !dollarQuote && !backQuote) {
      if (single) hasWord = true;
      single = !single;
      continue;
    } else if (";&|<>".includes(c) && !quoted) {
      // go-shellwords: a redirect's file-descriptor digits ("2>") are not a word.
      if (c === ">" && /^[0-9]+$/.test(buf)) {
        offset -= buf.length;
        buf = "";
        hasWord = false;
      }
      if (hasWord) words.push(buf);
      return { words, dropped: line.slice(offset) };
    }
    buf += c;
    hasWord = true;
  }
  if (hasWord) words.push(buf);
  if (escaped || single || double || backQuote || dollarQuote) throw invalid(line, "an unclosed quote or a trailing backslash");
  return { words };
}

const invalid = (line: string, what: string): InvalidArgumentError =>
  new InvalidArgumentError(`cannot split ${JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line)} into words: ${what}`, {
    hint: "quote the string properly, or write the command as a YAML list",
  });
