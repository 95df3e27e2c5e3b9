import { DockerfileError, excerpt } from "./dockerfile-errors.js";
import type { EscapeChar } from "./expand-words.js";
import { trimLeft } from "./parse-words.js";

/** Parser directives: `# syntax=…`, `# escape=…` (and `# check=…`, which berth reads past). */
export interface Directives {
  readonly escape: EscapeChar;
  readonly syntax?: string;
}

// docker's ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ with Go's \s ([\t\n\f\r ]; JS's is wider). The value
// is trimmed by hand: a lazy .+? before \s*$ is quadratic on a long line of blanks.
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=([^\n]*)$/;
const GO_SPACE = new Set(["\t", "\n", "\f", "\r", " "]);
const KNOWN = new Set(["syntax", "escape", "check"]);

/**
 * Directives at the top of the file: read line by line until the first line
 * that is not one (an instruction, a blank line, any other comment, an
 * unknown `# key=value`); later lines that look like directives are plain
 * comments, as in docker. Names are case-insensitive; each may appear once.
 * Directive lines are comments, so the instruction scanner skips them itself.
 */
export function readDirectives(lines: readonly string[], file: string): Directives {
  let escape: EscapeChar = "\\";
  let syntax: string | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const m = DIRECTIVE.exec(trimLeft(lines[i]!));
    const key = m?.[1]?.toLowerCase();
    const value = trimGoSpace(m?.[2] ?? "");
    if (key === undefined || !KNOWN.has(key) || value === "") break;
    if (seen.has(key)) throw new DockerfileError(file, i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === "escape") {
      if (value !== "\\" && value !== "`") {
        throw new DockerfileError(file, i + 1, `invalid escape token '${excerpt(value, 20)}' does not match \` or \\`,
          "write # escape=\\ (the default) or # escape=` (common in Windows Dockerfiles)");
      }
      escape = value;
    } else if (key === "syntax") syntax = value;
  }
  return syntax === undefined ? { escape } : { escape, syntax };
}

function trimGoSpace(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && GO_SPACE.has(s[i]!)) i++;
  while (j > i && GO_SPACE.has(s[j - 1]!)) j--;
  return s.slice(i, j);
}
