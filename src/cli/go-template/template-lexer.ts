/** One token of a template, as Go's text/template lexer cuts it. */
export type Token =
  | { readonly kind: "text"; readonly pos: number; readonly text: string }
  /** `{{`, with `trim` for `{{- `, which removes the white space before it. */
  | { readonly kind: "open"; readonly pos: number; readonly trim: boolean }
  /** `}}`, with `trim` for ` -}}`, which removes the white space after it. */
  | { readonly kind: "close"; readonly pos: number; readonly trim: boolean }
  /** `.`, `.A.B` (path [A, B]), `$`, `$x.A` (name `$x`, path [A]). */
  | { readonly kind: "field" | "variable"; readonly pos: number; readonly name: string; readonly path: readonly string[]; readonly spaced: boolean }
  | { readonly kind: "dot"; readonly pos: number; readonly spaced: boolean }
  | { readonly kind: "identifier"; readonly pos: number; readonly name: string; readonly spaced: boolean }
  | { readonly kind: "string"; readonly pos: number; readonly value: string; readonly spaced: boolean }
  | { readonly kind: "number"; readonly pos: number; readonly value: number; readonly text: string; readonly spaced: boolean }
  | { readonly kind: "|" | "(" | ")" | ":=" | "=" | ","; readonly pos: number; readonly spaced: boolean };

/** A lexing problem at an offset of the template. */
export class LexError extends Error {
  constructor(readonly offset: number, readonly problem: string) {
    super(problem);
  }
}

const SPACE = /[ \t\r\n]/;
const IDENT = /[A-Za-z0-9_]/;
const ESCAPES: Readonly<Record<string, string>> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };
const NUMBER = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)/;

/**
 * Cut `source` into text and action tokens. Comments (`{{/* … *\/}}`) are
 * dropped here, keeping their trim markers' effect. Throws {@link LexError}.
 */
export function lexTemplate(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let trimNextText = false;
  while (i < source.length) {
    const open = source.indexOf("{{", i);
    let text = source.slice(i, open < 0 ? source.length : open);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, "");
    const trimBefore = open >= 0 && /^\{\{-[ \t\r\n]/.test(source.slice(open, open + 4));
    if (trimBefore) text = text.replace(/[ \t\r\n]+$/, "");
    if (text !== "") tokens.push({ kind: "text", pos: i, text });
    if (open < 0) break;
    i = lexAction(source, open, trimBefore, tokens);
    const last = tokens[tokens.length - 1];
    trimNextText = last?.kind === "close" && last.trim;
  }
  return tokens;
}

/** Lex one action from its `{{` at `open`; returns the offset after its `}}`. */
function lexAction(source: string, open: number, trim: boolean, tokens: Token[]): number {
  let i = open + (trim ? 4 : 2); // past `{{- ` with its space: a comment must start right there
  if (source.startsWith("/*", i)) {
    const end = source.indexOf("*/", i + 2);
    if (end < 0) throw new LexError(open, "unclosed comment");
    const close = /^([ \t\r\n]-)?\}\}/.exec(source.slice(end + 2));
    if (close === null) throw new LexError(end + 2, "comment ends before closing delimiter");
    // A comment is an action of no tokens: keep its trim markers by an empty action.
    tokens.push({ kind: "open", pos: open, trim }, { kind: "close", pos: end + 2, trim: close[1] !== undefined });
    return end + 2 + close[0].length;
  }
  tokens.push({ kind: "open", pos: open, trim });
  let spaced = true;
  for (;;) {
    if (i >= source.length) throw new LexError(open, "unclosed action: no }} after this {{");
    const c = source[i]!;
    const trimAfter = /^[ \t\r\n]-\}\}/.test(source.slice(i, i + 4));
    if (trimAfter || source.startsWith("}}", i)) {
      tokens.push({ kind: "close", pos: i, trim: trimAfter });
      return i + (trimAfter ? 4 : 2);
    }
    if (SPACE.test(c)) {
      spaced = true;
      i++;
      continue;
    }
    const start = i;
    if (c === "." && !/[0-9]/.test(source[i + 1] ?? "")) {
      const path = readPath(source, i);
      i = path.end;
      tokens.push(path.names.length === 0 ? { kind: "dot", pos: start, spaced } : { kind: "field", pos: start, name: ".", path: path.names, spaced });
    } else if (c === "$") {
      let j = i + 1;
      while (j < source.length && IDENT.test(source[j]!)) j++;
      const path = readPath(source, j);
      tokens.push({ kind: "variable", pos: start, name: source.slice(i, j), path: path.names, spaced });
      i = path.end;
    } else if (c === '"' || c === "`" || c === "'") {
      const s = readQuoted(source, i);
      // A character constant ('a') is a number in Go: its code point.
      tokens.push(c === "'" ? { kind: "number", pos: start, value: s.value.codePointAt(0) ?? 0, text: source.slice(i, s.end), spaced } : { kind: "string", pos: start, value: s.value, spaced });
      i = s.end;
    } else if (/[0-9+\-.]/.test(c)) {
      const m = NUMBER.exec(source.slice(i));
      const text = m?.[0] ?? "";
      const value = numberValue(text);
      if (text === "" || Number.isNaN(value) || IDENT.test(source[i + text.length] ?? "")) throw new LexError(i, `bad number syntax: ${JSON.stringify(source.slice(i, i + Math.max(text.length, 1) + 1))}`);
      tokens.push({ kind: "number", pos: start, value, text, spaced });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && IDENT.test(source[i]!)) i++;
      tokens.push({ kind: "identifier", pos: start, name: source.slice(start, i), spaced });
    } else if (source.startsWith(":=", i)) {
      tokens.push({ kind: ":=", pos: start, spaced });
      i += 2;
    } else if ("|()=,".includes(c)) {
      tokens.push({ kind: c as "|" | "(" | ")" | "=" | ",", pos: start, spaced });
      i++;
    } else {
      throw new LexError(i, `unexpected ${JSON.stringify(c)} in action`);
    }
    spaced = false;
  }
}

/** `.A.B` from offset `i` (at a dot or past a variable's name): the names, and where they end. */
function readPath(source: string, i: number): { names: string[]; end: number } {
  const names: string[] = [];
  while (source[i] === ".") {
    let j = i + 1;
    while (j < source.length && IDENT.test(source[j]!)) j++;
    if (j === i + 1) {
      // A lone dot: `.` itself, or a chain ending in a dot (`.A.`), which Go refuses.
      if (names.length > 0) throw new LexError(i, "bad character after '.' in a field chain");
      return { names, end: j };
    }
    names.push(source.slice(i + 1, j));
    i = j;
  }
  return { names, end: i };
}

function numberValue(text: string): number {
  const t = text.replace(/_/g, "");
  const sign = t.startsWith("-") ? -1 : 1;
  const body = t.replace(/^[+-]/, "");
  // Go reads a leading 0 as octal (0755), as file modes are written.
  if (/^0[0-7]+$/.test(body)) return sign * parseInt(body, 8);
  if (/^0[oO]/.test(body)) return sign * parseInt(body.slice(2), 8);
  if (/^0[bB]/.test(body)) return sign * parseInt(body.slice(2), 2);
  return body === "" || body === "." ? NaN : sign * Number(body);
}

/** A Go string literal ("…" with escapes, `…` raw) or character ('a'), from its quote at `i`. */
function readQuoted(source: string, i: number): { value: string; end: number } {
  const quote = source[i]!;
  let out = "";
  let j = i + 1;
  for (;;) {
    const c = source[j];
    if (c === undefined || (c === "\n" && quote !== "`")) throw new LexError(i, quote === "`" ? "unterminated raw quoted string" : "unterminated quoted string");
    if (c === quote) break;
    if (c === "\\" && quote !== "`") {
      const e = source[j + 1] ?? "";
      const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        j += 2;
      } else if (hex > 0 && new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(source.slice(j + 2, j + 2 + hex))) {
        const code = parseInt(source.slice(j + 2, j + 2 + hex), 16);
        if (code > 0x10ffff) throw new LexError(j, "escape sequence is invalid Unicode code point");
        out += String.fromCodePoint(code);
        j += 2 + hex;
      } else if (/^[0-7]{3}$/.test(source.slice(j + 1, j + 4))) {
        out += String.fromCharCode(parseInt(source.slice(j + 1, j + 4), 8) & 0xff);
        j += 4;
      } else {
        throw new LexError(j, `unknown escape sequence \\${e}`);
      }
      continue;
    }
    out += c;
    j++;
  }
  if (quote === "'" && [...out].length !== 1) throw new LexError(i, "malformed character constant");
  return { value: out, end: j + 1 };
}
