import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type ScalarTag } from "yaml";
import { ComposeFileError, type ComposeWarning } from "./compose-file-error.js";
import type { YamlPath } from "./yaml-path.js";

/** Compose files are small; anything near this is an attack or a mistake. */
export const MAX_COMPOSE_FILE_BYTES = 8 * 1024 * 1024;
/** Real compose files nest about eight deep; this bounds every recursive walk after parsing. */
export const MAX_NESTING = 64;
// The yaml package's guard against "billion laughs": an alias may not expand to more than this many nodes per alias.
const MAX_ALIAS_COUNT = 100;

/** One YAML document of a compose file, as a plain value plus the merge tags found in it. */
export interface SourceDocument {
  /** The document as plain data, with `!reset` values removed. */
  readonly value: Record<string, unknown>;
  /** Paths tagged `!reset`: removed from what earlier files set. */
  readonly resets: readonly YamlPath[];
  /** Paths tagged `!override`: replace what earlier files set instead of merging with it. */
  readonly overrides: readonly YamlPath[];
  readonly doc: Document;
}

/** A parsed compose file: its documents (usually one) and what finds lines in it. */
export interface ComposeSource {
  readonly file: string;
  readonly documents: readonly SourceDocument[];
  readonly lineCounter: LineCounter;
  readonly warnings: readonly ComposeWarning[];
}

// yaml.v3 (docker compose's parser) reads 0440 as octal, as YAML 1.1 did; YAML 1.2 would read 440.
const yaml11Octal: ScalarTag = {
  identify: (v) => typeof v === "number",
  default: true,
  tag: "tag:yaml.org,2002:int",
  format: "OCT",
  test: /^0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
};

/**
 * Parse the text of one compose file. YAML merge keys (`<<`) and anchors
 * work; an alias that would expand too far (a "billion laughs" bomb), nesting
 * deeper than {@link MAX_NESTING}, a non-mapping document and any YAML error
 * throw {@link ComposeFileError} with the file and line.
 */
export function parseComposeSource(text: string, file: string): ComposeSource {
  if (text.length > MAX_COMPOSE_FILE_BYTES) {
    throw new ComposeFileError({ file }, `file is ${text.length} bytes, more than the ${MAX_COMPOSE_FILE_BYTES} a compose file may have`, { hint: "split it, or check that this is the right file" });
  }
  const lineCounter = new LineCounter();
  const lineOf = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  let docs: Document.Parsed[];
  try {
    // Duplicate keys are found by collectTags: the yaml package's check compares every pair of keys.
    docs = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: false, customTags: (tags) => [yaml11Octal, ...tags] }) as Document.Parsed[];
  } catch (e) {
    throw new ComposeFileError({ file }, `cannot parse YAML: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(docs)) throw new ComposeFileError({ file }, "not a YAML stream");
  const warnings: ComposeWarning[] = [];
  const documents: SourceDocument[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err !== undefined) throw new ComposeFileError({ file, line: lineOf(err.pos[0]) }, `invalid YAML: ${err.message.split("\n")[0]}`, { hint: "check indentation and quoting around this line" });
    for (const w of doc.warnings) {
      if (/^Unresolved tag: !(reset|override)$/.test(w.message)) continue;
      warnings.push({ file, line: lineOf(w.pos[0]), message: w.message });
    }
    if (doc.contents === null) {
      documents.push({ value: {}, resets: [], overrides: [], doc });
      continue;
    }
    const resets: YamlPath[] = [];
    const overrides: YamlPath[] = [];
    collectTags(doc.contents, [], resets, overrides, file, lineOf);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const msg = (e as Error).message;
      const bomb = /alias count|resource exhaustion/i.test(msg);
      throw new ComposeFileError({ file }, bomb ? "YAML aliases expand too far (a \"billion laughs\" document?)" : `cannot read YAML: ${msg}`, {
        cause: e, hint: bomb ? `an alias may expand to at most ${MAX_ALIAS_COUNT} nodes; write the values out` : "check anchors, aliases and << merge keys",
      });
    }
    if (value === null || value === undefined) value = {};
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new ComposeFileError({ file, line: lineOf(doc.contents.range?.[0]) }, "the top level must be a mapping (services:, networks:, …)");
    }
    for (const path of [...resets].reverse()) removePath(value as object, path);
    documents.push({ value: value as Record<string, unknown>, resets, overrides, doc });
  }
  return { file, documents, lineCounter, warnings };
}

function collectTags(node: unknown, path: YamlPath, resets: YamlPath[], overrides: YamlPath[], file: string, lineOf: (o: number | undefined) => number | undefined): void {
  if (path.length > MAX_NESTING) {
    throw new ComposeFileError({ file, line: lineOf((node as Node).range?.[0]) }, `nested more than ${MAX_NESTING} levels deep`, { hint: "a compose file nests a few levels; this looks generated or hostile" });
  }
  if (isAlias(node) || !(isMap(node) || isSeq(node) || isScalar(node))) return;
  if (node.tag === "!reset") resets.push(path);
  else if (node.tag === "!override") overrides.push(path);
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== "string" && typeof key !== "number") continue;
      if (seen.has(String(key))) {
        throw new ComposeFileError({ file, path: [...path, String(key)], line: lineOf((pair.key as Node).range?.[0]) }, `duplicate key ${JSON.stringify(String(key))}`, { hint: "a mapping names each key once; merge the two entries" });
      }
      seen.add(String(key));
      collectTags(pair.value, [...path, String(key)], resets, overrides, file, lineOf);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => collectTags(item, [...path, i], resets, overrides, file, lineOf));
  }
}

function removePath(root: object, path: YamlPath): void {
  let parent: unknown = root;
  for (const part of path.slice(0, -1)) {
    parent = (parent as Record<string | number, unknown> | undefined)?.[part];
    if (typeof parent !== "object" || parent === null) return;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
  else delete (parent as Record<string, unknown>)[String(last)];
}

/**
 * The 1-based line of the node at `path` in `source`, or of its deepest
 * ancestor that exists there (a value that came from an alias or a merge key
 * is found at the alias). Later documents are searched first, as they win.
 */
export function locate(source: ComposeSource, path: YamlPath): { line: number | undefined; depth: number } {
  let best: { line: number | undefined; depth: number } = { line: undefined, depth: -1 };
  for (const { doc } of [...source.documents].reverse()) {
    let node: unknown = doc.contents;
    let offset = (node as Node | null)?.range?.[0];
    let depth = 0;
    for (const part of path) {
      if (isAlias(node)) node = node.resolve(doc);
      let next: unknown;
      let at: number | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
        if (pair === undefined) break;
        next = pair.value;
        at = (pair.key as Node | null)?.range?.[0];
      } else if (isSeq(node)) {
        // A string part in a list names an entry of the short syntax: depends_on: [db] → depends_on.db.
        next = typeof part === "number" ? node.items[part] : node.items.find((i) => isScalar(i) && String(i.value) === part);
        if (next === undefined) break;
        at = (next as Node).range?.[0];
      } else break;
      node = next;
      offset = at ?? offset;
      depth++;
    }
    if (depth > best.depth) best = { line: offset === undefined ? undefined : source.lineCounter.linePos(offset).line, depth };
  }
  return best;
}
