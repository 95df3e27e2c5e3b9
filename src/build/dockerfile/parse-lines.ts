import type { EscapeChar } from "./expand-words.js";
import { trimLeft } from "./parse-words.js";

/** One instruction's text: its physical lines joined, comments and continuations removed. */
export interface LogicalLine {
  /** 1-based line where the instruction starts. */
  readonly line: number;
  /** The joined text, untrimmed on the right (as docker hands it to its instruction parsers). */
  readonly text: string;
}

/**
 * The physical lines of a Dockerfile: a UTF-8 byte-order mark dropped, split
 * on "\n" with any "\r" before it dropped (CRLF files read like LF files,
 * heredoc bodies included).
 */
export function splitLines(text: string): string[] {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  return body.split("\n").map(trimCarriageReturns);
}

function trimCarriageReturns(line: string): string {
  let j = line.length;
  while (j > 0 && line.charCodeAt(j - 1) === 0x0d) j--;
  return j === line.length ? line : line.slice(0, j);
}

/**
 * Reads instructions the way docker's parser does (parser.go): blank lines
 * and `#` comment lines (leading blanks allowed) are skipped; a line ending
 * in the escape character (blanks after it allowed, but not an escaped
 * escape) continues on the next line, whose leading blanks are kept; inside a
 * continuation, comment lines and blank lines are skipped; a continuation at
 * the end of the file simply ends there. Heredoc bodies are read on request
 * right after the instruction that opens them.
 */
export class LineReader {
  private next = 0;

  constructor(
    private readonly lines: readonly string[],
    private readonly escape: EscapeChar,
  ) {}

  /** The next instruction, or undefined at the end of the file. */
  nextInstruction(): LogicalLine | undefined {
    while (this.next < this.lines.length) {
      const start = this.next++;
      const first = trimLeft(this.lines[start]!);
      if (first.startsWith("#")) continue;
      let [text, continues] = this.cutContinuation(first);
      if (!continues && text === "") continue;
      while (continues && this.next < this.lines.length) {
        const raw = this.lines[this.next++]!;
        const trimmed = trimLeft(raw);
        if (trimmed.startsWith("#") || trimmed === "") continue;
        const [more, again] = this.cutContinuation(raw);
        text += more;
        continues = again;
      }
      return { line: start + 1, text };
    }
    return undefined;
  }

  /**
   * The body of a heredoc that starts on the next line, up to the line that
   * is exactly `name` (after leading tabs when `stripTabs`, for `<<-`): the
   * lines as written, each ending "\n". Undefined when no line ends it; the
   * reader is then at the end of the file.
   */
  readHeredoc(name: string, stripTabs: boolean): string | undefined {
    const body: string[] = [];
    while (this.next < this.lines.length) {
      const line = this.lines[this.next++]!;
      if ((stripTabs ? line.replace(/^\t+/, "") : line) === name) return body.map((l) => `${l}\n`).join("");
      body.push(line);
    }
    return undefined;
  }

  /**
   * docker's `([^E])E[ \t]*$|^E[ \t]*$` for escape E: the text without the
   * escape and trailing blanks, and whether the line continues.
   */
  private cutContinuation(line: string): [string, boolean] {
    let j = line.length;
    while (j > 0 && (line[j - 1] === " " || line[j - 1] === "\t")) j--;
    if (j === 0 || line[j - 1] !== this.escape) return [line, false];
    if (j >= 2 && line[j - 2] === this.escape) return [line, false];
    return [line.slice(0, j - 1), true];
  }
}
