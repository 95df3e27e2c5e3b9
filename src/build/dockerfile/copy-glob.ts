/**
 * COPY/ADD source wildcards, exactly as docker's builder matches them: Go's
 * `filepath.Match` on each context path (relative, `/`-separated), so `*`
 * and `?` never cross `/`, `[a-z]` and `[^a-z]` are classes, `\x` is a
 * literal x, and there is no `**`. Not ignore-rules' compileGlob: that one
 * has `**` and `[!…]`, which COPY does not.
 *
 * ```
 * pattern: { term }
 * term:    '*' | '?' | '[' [ '^' ] { range } ']' | c | '\' c
 * range:   c | '\' c | lo '-' hi
 * ```
 */

/**
 * True when `source` has a wildcard (`*`, `?`, `[`) not escaped by `\`
 * (docker's containsWildcards): only then is it matched against the
 * context; otherwise it is a plain path, backslashes and all.
 */
export function hasWildcards(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?" || c === "[") return true;
  }
  return false;
}

/** A malformed pattern (`[`, `[]`, a trailing `\`): Go's ErrBadPattern; docker treats it as matching nothing. */
class BadPatternError extends Error {}

/**
 * True when `name` matches `pattern` as Go's filepath.Match decides; a
 * malformed pattern matches nothing (docker ignores Match's error). Works
 * on code points, as Go does on runes. Linear in practice: a `*` retries
 * its following chunk at each position of one segment only.
 */
export function matchGlob(pattern: string, name: string): boolean {
  try {
    return match([...pattern], [...name]);
  } catch (e) {
    if (e instanceof BadPatternError) return false;
    throw e;
  }
}

function match(pattern: readonly string[], name: readonly string[]): boolean {
  let p = 0;
  let n = 0;
  outer: while (p < pattern.length) {
    const { star, chunk, next } = scanChunk(pattern, p);
    p = next;
    if (star && chunk.length === 0) return !name.slice(n).includes("/");
    const rest = matchChunk(chunk, name, n);
    if (rest !== undefined && (rest === name.length || p < pattern.length)) {
      n = rest;
      continue;
    }
    if (star) {
      for (let i = n; i < name.length && name[i] !== "/"; i++) {
        const t = matchChunk(chunk, name, i + 1);
        if (t === undefined) continue;
        if (p >= pattern.length && t < name.length) continue;
        n = t;
        continue outer;
      }
    }
    // Go checks that the rest of the pattern is well formed before saying no.
    while (p < pattern.length) {
      const s = scanChunk(pattern, p);
      matchChunk(s.chunk, [], 0);
      p = s.next;
    }
    return false;
  }
  return n === name.length;
}

/** Leading stars, then everything up to the next star outside a class. */
function scanChunk(pattern: readonly string[], from: number): { star: boolean; chunk: readonly string[]; next: number } {
  let i = from;
  let star = false;
  while (i < pattern.length && pattern[i] === "*") {
    i++;
    star = true;
  }
  const start = i;
  let inRange = false;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      if (i + 1 < pattern.length) i++;
    } else if (c === "[") inRange = true;
    else if (c === "]") inRange = false;
    else if (c === "*" && !inRange) break;
  }
  return { star, chunk: pattern.slice(start, i), next: i };
}

/**
 * Match `chunk` (no stars) at `name[at]`; the index after the match, or
 * undefined. Like Go it keeps parsing after a mismatch so that a malformed
 * chunk throws BadPatternError either way.
 */
function matchChunk(chunk: readonly string[], name: readonly string[], at: number): number | undefined {
  let failed = false;
  let s = at;
  let c = 0;
  while (c < chunk.length) {
    if (!failed && s >= name.length) failed = true;
    const ch = chunk[c]!;
    if (ch === "[") {
      const r = failed ? "" : name[s++]!;
      c++;
      let negated = false;
      if (chunk[c] === "^") {
        negated = true;
        c++;
      }
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (chunk[c] === "]" && ranges > 0) {
          c++;
          break;
        }
        const lo = escaped(chunk, c);
        c = lo.next;
        let hi = lo;
        if (chunk[c] === "-") {
          hi = escaped(chunk, c + 1);
          c = hi.next;
        }
        if (!failed && lo.cp <= r.codePointAt(0)! && r.codePointAt(0)! <= hi.cp) matched = true;
        ranges++;
      }
      if (matched === negated) failed = true;
    } else if (ch === "?") {
      if (!failed) {
        if (name[s] === "/") failed = true;
        s++;
      }
      c++;
    } else {
      let lit = ch;
      if (ch === "\\") {
        c++;
        if (c >= chunk.length) throw new BadPatternError();
        lit = chunk[c]!;
      }
      if (!failed) {
        if (name[s] !== lit) failed = true;
        s++;
      }
      c++;
    }
  }
  return failed ? undefined : s;
}

/** One class character (maybe `\`-escaped) at `chunk[at]`; Go's getEsc, including its refusal of a class that never closes. */
function escaped(chunk: readonly string[], at: number): { cp: number; next: number } {
  let i = at;
  if (i >= chunk.length || chunk[i] === "-" || chunk[i] === "]") throw new BadPatternError();
  if (chunk[i] === "\\") {
    i++;
    if (i >= chunk.length) throw new BadPatternError();
  }
  const cp = chunk[i]!.codePointAt(0)!;
  if (i + 1 >= chunk.length) throw new BadPatternError();
  return { cp, next: i + 1 };
}
