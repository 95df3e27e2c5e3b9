import { InvalidArgumentError } from "../oci/index.js";

/**
 * One paragraph of a deb822 file (Packages, InRelease, .sources, a .deb's
 * control file): field names as written, values with continuation lines
 * joined by "\n" and the leading blank of each continuation kept, as dpkg keeps them.
 */
export interface ControlStanza {
  /** Field names in their original spelling, in file order. */
  readonly fields: ReadonlyMap<string, string>;
  /** The paragraph as it appeared (without the separating blank line). */
  readonly text: string;
}

/** The value of `name` (matched case-insensitively, as deb822 says), or undefined. */
export function fieldOf(stanza: ControlStanza, name: string): string | undefined {
  const exact = stanza.fields.get(name);
  if (exact !== undefined) return exact;
  const want = name.toLowerCase();
  for (const [k, v] of stanza.fields) if (k.toLowerCase() === want) return v;
  return undefined;
}

const FIELD_NAME = /^[!-9;-~]+$/;

/**
 * Split deb822 `text` into paragraphs. Lines starting with "#" are comments
 * (allowed in .sources files) and are dropped. `source` names the input in
 * errors: a line that is neither `Name: value` nor a continuation throws
 * InvalidArgumentError naming the source and line number. Linear in the
 * text: a 50 MB Packages index is one pass of indexOf.
 */
export function parseControlStanzas(text: string, source: string): ControlStanza[] {
  const out: ControlStanza[] = [];
  let fields = new Map<string, string>();
  let start = -1;
  let end = 0;
  let last: string | undefined;
  const flush = (): void => {
    if (fields.size > 0) out.push({ fields, text: text.slice(start, end) });
    fields = new Map();
    start = -1;
    last = undefined;
  };
  let lineNo = 0;
  for (let at = 0; at <= text.length; ) {
    let nl = text.indexOf("\n", at);
    if (nl < 0) nl = text.length;
    lineNo++;
    const line = text.charCodeAt(nl - 1) === 13 ? text.slice(at, nl - 1) : text.slice(at, nl);
    const lineStart = at;
    at = nl + 1;
    if (line.startsWith("#")) continue;
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (last === undefined) throw new InvalidArgumentError(`${source}:${lineNo}: continuation line outside a field`);
      fields.set(last, `${fields.get(last)}\n${line}`);
    } else {
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon) : "";
      if (!FIELD_NAME.test(name)) throw new InvalidArgumentError(`${source}:${lineNo}: expected "Field: value", got ${JSON.stringify(line.slice(0, 80))}`);
      last = name;
      fields.set(name, line.slice(colon + 1).trim());
    }
    if (start < 0) start = lineStart;
    end = lineStart + line.length;
  }
  flush();
  return out;
}
