/**
 * One authentication challenge of a `WWW-Authenticate` header (RFC 7235 section 4.1):
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`.
 */
export interface Challenge {
  /** Lower case: "basic", "bearer". */
  readonly scheme: string;
  /** Parameters by lower-case name; the first of a repeated name wins. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of parameters. */
  readonly token68?: string;
}

// Headers longer than this are not parsed further: the rest is dropped.
const MAX_HEADER = 16 * 1024;
const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*/y;
const OWS = /[ \t]*/y;

/**
 * Parse every challenge in the given `WWW-Authenticate` values. A header may
 * hold several challenges separated by commas, which also separate parameters;
 * a token not followed by `=` starts a new challenge. Quoted strings may hold
 * commas and backslash escapes. Parsing stops at the first malformed part and
 * returns the challenges before it, so a hostile header yields less, never an
 * exception.
 */
export function parseChallenges(values: string | readonly string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const v of typeof values === "string" ? [values] : values) out.push(...parseOne(v.slice(0, MAX_HEADER)));
  return out;
}

function parseOne(s: string): Challenge[] {
  const p = new Cursor(s);
  const out: Challenge[] = [];
  for (;;) {
    p.skipSeparators();
    if (p.done) return out;
    const scheme = p.match(TOKEN);
    if (scheme === undefined) return out;
    const params: Record<string, string> = {};
    let token68: string | undefined;
    p.match(OWS);
    const beforeParams = p.pos;
    const t68 = p.match(TOKEN68);
    if (t68 !== undefined && p.atSeparatorOrEnd()) {
      token68 = t68;
    } else {
      p.pos = beforeParams;
      if (!readParams(p, params)) {
        out.push({ scheme: scheme.toLowerCase(), params });
        return out;
      }
    }
    out.push({ scheme: scheme.toLowerCase(), params, ...(token68 !== undefined && { token68 }) });
  }
}

/** Read `name=value` pairs until a new challenge starts or the end; false on malformed input. */
function readParams(p: Cursor, params: Record<string, string>): boolean {
  for (;;) {
    p.match(OWS);
    const start = p.pos;
    const name = p.match(TOKEN);
    if (name === undefined) return p.done || p.peekIs(",");
    p.match(OWS);
    if (!p.peekIs("=")) {
      p.pos = start; // a new challenge's scheme
      return true;
    }
    p.pos++;
    p.match(OWS);
    const value = p.peekIs('"') ? p.quoted() : p.match(TOKEN);
    if (value === undefined) return false;
    const key = name.toLowerCase();
    if (!(key in params)) params[key] = value;
    p.match(OWS);
    if (p.done) return true;
    if (!p.peekIs(",")) return false;
    // Commas separate parameters and challenges alike; skip them and look at what follows.
    while (p.peekIs(",") || p.peekIs(" ") || p.peekIs("\t")) p.pos++;
  }
}

class Cursor {
  pos = 0;
  constructor(private readonly s: string) {}

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  peekIs(c: string): boolean {
    return this.s[this.pos] === c;
  }

  atSeparatorOrEnd(): boolean {
    const rest = /[ \t]*(,|$)/y;
    rest.lastIndex = this.pos;
    return rest.test(this.s);
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (m === null) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  skipSeparators(): void {
    while (this.peekIs(",") || this.peekIs(" ") || this.peekIs("\t")) this.pos++;
  }

  /** A quoted-string at the cursor, unescaped; undefined when it is not closed. */
  quoted(): string | undefined {
    let out = "";
    for (let i = this.pos + 1; i < this.s.length; i++) {
      const c = this.s[i]!;
      if (c === "\\" && i + 1 < this.s.length) {
        out += this.s[++i];
      } else if (c === '"') {
        this.pos = i + 1;
        return out;
      } else {
        out += c;
      }
    }
    return undefined;
  }
}
