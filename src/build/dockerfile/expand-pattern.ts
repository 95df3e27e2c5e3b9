/**
 * The shell patterns of `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`:
 * `*` (any run), `?` (one character), `\*` `\?` `\\` (literal), `\}` `\/`
 * (the escape dropped), everything else literal — as docker's lexer, which
 * leaves out bracket expressions. Like docker's (Go regexp) `*` and `?`, they
 * never match a newline.
 *
 * Matched by walking a set of pattern positions over the value (O(pattern ×
 * value)), not by a backtracking RegExp: `${X#*a*a*a*b}` on a long value must
 * not take minutes. For these patterns Go's leftmost-first greedy (lazy)
 * match is the leftmost-longest (-shortest) one, so ends are all we need.
 */

type Token = { readonly kind: "star" } | { readonly kind: "any" } | { readonly kind: "char"; readonly ch: string };

/** A compiled pattern; throws Error with docker's wording on a bad escape. */
export class ShellPattern {
  private constructor(private readonly tokens: readonly Token[]) {}

  static compile(pattern: string): ShellPattern {
    const chars = Array.from(pattern);
    const tokens: Token[] = [];
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (c === "*") tokens.push({ kind: "star" });
      else if (c === "?") tokens.push({ kind: "any" });
      else if (c === "\\") {
        const next = chars[i + 1];
        // `}` and `/` are escaped only so they do not end the ${…}; the escape is not part of the pattern.
        if (next === "}" || next === "/") continue;
        if (next !== "*" && next !== "?" && next !== "\\") throw new Error(`invalid escape '\\${next ?? ""}'`);
        tokens.push({ kind: "char", ch: next });
        i++;
      } else tokens.push({ kind: "char", ch: c });
    }
    return new ShellPattern(tokens);
  }

  /** The same pattern read backwards, for suffix matching on a reversed value. */
  reversed(): ShellPattern {
    return new ShellPattern([...this.tokens].reverse());
  }

  /** Whether the pattern can match text starting with a `*`: then a failed match from one start fails from every later start too. */
  private get startsWithStar(): boolean {
    return this.tokens[0]?.kind === "star";
  }

  /**
   * The end of the shortest (longest) match of the whole pattern against
   * `chars` starting at `start`, or -1. `chars` are code points.
   */
  matchFrom(chars: readonly string[], start: number, longest: boolean): number {
    const m = this.tokens.length;
    let states = this.closure(new Set([0]));
    let found = states.has(m) ? start : -1;
    if (found >= 0 && !longest) return found;
    for (let i = start; i < chars.length && states.size > 0; i++) {
      const c = chars[i]!;
      const next = new Set<number>();
      for (const s of states) {
        const t = this.tokens[s];
        if (t === undefined) continue;
        if (t.kind === "star") {
          if (c !== "\n") next.add(s);
        } else if (t.kind === "any" ? c !== "\n" : t.ch === c) next.add(s + 1);
      }
      states = this.closure(next);
      if (states.has(m)) {
        found = i + 1;
        if (!longest) return found;
      }
    }
    return found;
  }

  /** Leftmost match at or after `from`, longest at that start: [start, end] or undefined. */
  find(chars: readonly string[], from: number): [number, number] | undefined {
    for (let s = from; s <= chars.length; s++) {
      const end = this.matchFrom(chars, s, true);
      if (end >= 0) return [s, end];
      if (this.startsWithStar) return undefined;
    }
    return undefined;
  }

  private closure(states: Set<number>): Set<number> {
    for (const s of states) {
      // A star matches the empty run too; Set iteration visits the added s + 1.
      if (this.tokens[s]?.kind === "star") states.add(s + 1);
    }
    return states;
  }
}

/** `${VAR#pat}` (shortest) / `${VAR##pat}` (longest): the value without the matched prefix, or unchanged. */
export function trimPrefix(pattern: string, value: string, longest: boolean): string {
  const chars = Array.from(value);
  const end = ShellPattern.compile(pattern).matchFrom(chars, 0, longest);
  return end < 0 ? value : chars.slice(end).join("");
}

/** `${VAR%pat}` / `${VAR%%pat}`: the value without the matched suffix, or unchanged. */
export function trimSuffix(pattern: string, value: string, longest: boolean): string {
  const reversed = Array.from(value).reverse();
  const end = ShellPattern.compile(pattern).reversed().matchFrom(reversed, 0, longest);
  return end < 0 ? value : reversed.slice(end).reverse().join("");
}

/**
 * `${VAR/pat/repl}` (first match) and `${VAR//pat/repl}` (all), the
 * replacement taken literally; empty matches right after a match are
 * skipped, as Go's ReplaceAllString does.
 */
export function replacePattern(pattern: string, value: string, replacement: string, all: boolean): string {
  const compiled = ShellPattern.compile(pattern);
  const chars = Array.from(value);
  let out = "";
  let lastEnd = 0;
  let search = 0;
  while (search <= chars.length) {
    const match = compiled.find(chars, search);
    if (!match) break;
    const [start, end] = match;
    out += chars.slice(lastEnd, start).join("");
    if (end > lastEnd || start === 0) out += replacement;
    lastEnd = end;
    if (!all) break;
    search = end > search ? end : search + 1;
  }
  return out + chars.slice(lastEnd).join("");
}
