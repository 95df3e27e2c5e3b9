import { posix } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";

/** Which file the rules came from: the two differ in where a pattern without a slash matches. */
export type IgnoreSyntax = "dockerignore" | "gitignore";

/** One line of an ignore file, compiled. */
export interface IgnoreRule {
  /** The pattern as written, without `!`. */
  readonly pattern: string;
  /** A `!pattern` line: what it matches is included again. */
  readonly isNegated: boolean;
  /** gitignore's trailing `/`: matches directories only. */
  readonly isDirOnly: boolean;
  readonly matches: GlobMatcher;
}

const MAX_LINES = 10_000;
const MAX_PATTERN = 4_096;

/**
 * The rules of a `.dockerignore` or `.gitignore`, matched against paths
 * relative to the context (`src/a.js`, no leading `/`).
 *
 * `.dockerignore` as docker reads it (moby/patternmatcher): every pattern is
 * anchored at the context root (a leading `/` changes nothing), cleaned
 * (`a/../b` → `b`); `*` and `?` stop at `/`, `**` spans directories,
 * `[a-z]` classes and `\` escapes work. `.gitignore`: a pattern with no `/`
 * but a trailing one matches at any depth, a trailing `/` matches directories
 * only. Both: `#` comments, `!` re-includes, the last matching line wins,
 * and a pattern that matches a directory matches everything below it.
 */
export class IgnoreRules {
  private constructor(readonly rules: readonly IgnoreRule[]) {}

  /** No rules: nothing excluded. */
  static readonly empty = new IgnoreRules([]);

  /** Parse `text`; `file` names it in errors (a malformed `[` class, an over-long file or pattern). */
  static parse(text: string, syntax: IgnoreSyntax, file: string): IgnoreRules {
    const lines = text.split(/\r?\n/);
    if (lines.length > MAX_LINES) throw new InvalidArgumentError(`${file}: ${lines.length} lines; at most ${MAX_LINES} are read`);
    const rules: IgnoreRule[] = [];
    for (const [i, raw] of lines.entries()) {
      const rule = parseLine(raw, syntax, `${file}:${i + 1}`);
      if (rule) rules.push(rule);
    }
    return new IgnoreRules(rules);
  }

  /** True when the last rule matching `path` (or a directory above it) excludes it. */
  isExcluded(path: string, isDir: boolean): boolean {
    let excluded = false;
    for (const r of this.rules) if (matchesOrParent(r, path, isDir)) excluded = !r.isNegated;
    return excluded;
  }

  /** True when a `!` rule names `path` itself (not only a directory above it): an explicit re-include. */
  isNegatedExactly(path: string, isDir: boolean): boolean {
    return this.rules.some((r) => r.isNegated && (!r.isDirOnly || isDir) && r.matches(path));
  }

  /**
   * True when some `!` rule could match below the excluded directory `dir`,
   * so the walk must go in (as docker walks into an excluded directory when
   * exceptions exist) rather than skip it whole.
   */
  mayReincludeBelow(dir: string): boolean {
    return this.rules.some((r) => {
      if (!r.isNegated) return false;
      const literal = r.pattern.split(/[*?[\\]/)[0]!;
      return literal === "" || literal.startsWith(`${dir}/`) || `${dir}/`.startsWith(literal.replace(/[^/]*$/, ""));
    });
  }
}

function parseLine(raw: string, syntax: IgnoreSyntax, where: string): IgnoreRule | undefined {
  let line = syntax === "dockerignore" ? raw.trim() : raw.replace(/(?<!\\)\s+$/, "");
  if (line === "" || line.startsWith("#")) return undefined;
  if (line.length > MAX_PATTERN) throw new InvalidArgumentError(`${where}: pattern of ${line.length} characters; at most ${MAX_PATTERN}`);
  if (line.includes("\0")) throw new InvalidArgumentError(`${where}: NUL in pattern`);
  const isNegated = line.startsWith("!");
  if (isNegated) line = syntax === "dockerignore" ? line.slice(1).trim() : line.slice(1);
  else if (line.startsWith("\\!") || line.startsWith("\\#")) line = line.slice(1);
  const isDirOnly = syntax === "gitignore" && line.endsWith("/");
  let pattern: string;
  if (syntax === "dockerignore") {
    pattern = posix.normalize(line).replace(/^\/+/, "").replace(/\/+$/, "");
    if (pattern === "." || pattern === "") return undefined;
  } else {
    const body = line.replace(/\/+$/, "");
    if (body === "") return undefined;
    // A slash at the start or in the middle anchors the pattern; otherwise it matches at any depth.
    pattern = body.includes("/") ? body.replace(/^\/+/, "") : `**/${body}`;
  }
  return { pattern, isNegated, isDirOnly, matches: compileGlob(pattern, where) };
}

function matchesOrParent(r: IgnoreRule, path: string, isDir: boolean): boolean {
  if ((!r.isDirOnly || isDir) && r.matches(path)) return true;
  for (let p = posix.dirname(path); p !== "."; p = posix.dirname(p)) if (r.matches(p)) return true;
  return false;
}

type GlobToken =
  | { readonly kind: "char"; readonly c: string }
  | { readonly kind: "any" | "star" | "globstar" | "globstarDir" }
  | { readonly kind: "class"; readonly negate: boolean; readonly test: (c: string) => boolean };

/** A compiled glob: true when the whole path matches. */
export type GlobMatcher = (path: string) => boolean;

/**
 * Compile a glob: `*` and `?` within one segment, `**` across segments
 * (a `**` segment also matches no directory at all), `[…]` classes (`[!…]` and
 * `[^…]` negate, ranges `a-z`), `\x` a literal x. Matching is a set-of-positions
 * walk, O(pattern × path), so no pattern can make it backtrack
 * exponentially (a RegExp with many `*` can). Throws InvalidArgumentError on
 * an unclosed `[` or a trailing lone `\`.
 */
export function compileGlob(glob: string, where: string): GlobMatcher {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const atStart = i === 0 || glob[i - 1] === "/";
      i++;
      if (atStart && glob[i + 1] === "/") {
        tokens.push({ kind: "globstarDir" });
        i++;
      } else tokens.push({ kind: "globstar" });
    } else if (c === "*") tokens.push({ kind: "star" });
    else if (c === "?") tokens.push({ kind: "any" });
    else if (c === "\\") {
      const next = glob[++i];
      if (next === undefined) throw new InvalidArgumentError(`${where}: pattern ${JSON.stringify(glob)} ends with a lone \\`);
      tokens.push({ kind: "char", c: next });
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) throw new InvalidArgumentError(`${where}: pattern ${JSON.stringify(glob)}: "[" without a closing "]"`, { hint: "escape a literal [ as \\[" });
      tokens.push(charClass(glob.slice(i + 1, end)));
      i = end;
    } else tokens.push({ kind: "char", c });
  }
  return (path) => matchTokens(tokens, path);
}

function charClass(raw: string): GlobToken {
  const negate = raw.startsWith("!") || raw.startsWith("^");
  const body = negate ? raw.slice(1) : raw;
  const ranges: [string, string][] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i + 1] === "-" && i + 2 < body.length) {
      ranges.push([body[i]!, body[i + 2]!]);
      i += 2;
    } else ranges.push([body[i]!, body[i]!]);
  }
  const inSet = (c: string): boolean => ranges.some(([lo, hi]) => c >= lo && c <= hi);
  return { kind: "class", negate, test: (c) => c !== "/" && inSet(c) !== negate };
}

/** Walk the tokens keeping every path position reachable so far; match when the end is reachable. */
function matchTokens(tokens: readonly GlobToken[], path: string): boolean {
  const n = path.length;
  let reach = new Uint8Array(n + 1);
  reach[0] = 1;
  for (const t of tokens) {
    const next = new Uint8Array(n + 1);
    let first = reach.indexOf(1);
    if (first < 0) return false;
    for (let i = first; i <= n; i++) {
      if (t.kind === "globstar") next[i] = 1;
      else if (t.kind === "globstarDir") {
        if (reach[i]) next[i] = 1;
        if (i > first && path[i - 1] === "/") next[i] = 1;
      } else if (t.kind === "star") {
        if (reach[i] || (next[i - 1] && path[i - 1] !== "/" && i > first)) next[i] = 1;
      } else if (reach[i] && i < n) {
        const c = path[i]!;
        if (t.kind === "char" ? c === t.c : t.kind === "class" ? t.test(c) : c !== "/") next[i + 1] = 1;
      }
    }
    first = 0;
    reach = next;
  }
  return reach[n] === 1;
}
