import { LexError, lexWord } from "./expand-lexer.js";

/** A heredoc opener found in an instruction line: `<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`. */
export interface HeredocMarker {
  /** The delimiter, quotes removed. */
  readonly name: string;
  /** `<<-`: leading tabs are stripped from the body and the delimiter line. */
  readonly stripTabs: boolean;
  /** False when any part of the delimiter was quoted: the body is literal. */
  readonly expand: boolean;
}

const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;
const noVariables = (): undefined => undefined;

/**
 * The heredoc a word opens, or undefined when the word is not one (`<<`,
 * `<EOF`, `<<<EOF`, `"<<EOF"`, `a<<EOF`). Throws LexError for a delimiter
 * with unbalanced quotes (`<<'EOF`).
 */
export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  const m = HEREDOC_WORD.exec(word);
  const rest = m?.[3] ?? "";
  if (!m || rest === "") return undefined;
  const plain = lexWord(rest, { escape: "\\", lookup: noVariables, skipUnset: true }).words;
  if (plain.length !== 1) return undefined;
  const raw = lexWord(rest, { escape: "\\", lookup: noVariables, skipUnset: true, rawQuotes: true }).words;
  const name = plain[0]!;
  // Quotes that the raw reading keeps and the plain one removes were quoting (part of) the delimiter.
  return { name, stripTabs: m[2] === "-", expand: countQuotes(name) === countQuotes(raw[0] ?? "") };
}

/**
 * Every heredoc opened on an instruction line, in order, found as docker's
 * parser finds them: the line is cut into words by the shell lexer with quotes
 * and escapes kept, so a quoted `"<<EOF"` opens nothing. A line the lexer
 * rejects (an unclosed quote) opens none, as in docker.
 */
export function heredocMarkersInLine(line: string): HeredocMarker[] {
  if (!line.includes("<<")) return [];
  let words: readonly string[];
  try {
    words = lexWord(line, { escape: "\\", lookup: noVariables, skipUnset: true, rawQuotes: true, rawEscapes: true }).words;
  } catch (e) {
    if (e instanceof LexError) return [];
    throw e;
  }
  const markers: HeredocMarker[] = [];
  for (const word of words) {
    const marker = parseHeredocMarker(word);
    if (marker) markers.push(marker);
  }
  return markers;
}

function countQuotes(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "'" || ch === '"') n++;
  return n;
}
