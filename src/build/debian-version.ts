import { InvalidArgumentError } from "../oci/index.js";

/** A Debian version split into its parts: `[epoch:]upstream[-revision]`. */
export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

/** The relations a Depends field may use; `<` and `>` are dpkg's deprecated spellings of `<=` and `>=`. */
export type VersionRelation = "<<" | "<=" | "=" | ">=" | ">>";

/**
 * Parse a version as dpkg does (lib/dpkg/parsehelp.c): the epoch is what
 * precedes the first colon, the revision what follows the last hyphen.
 * Throws InvalidArgumentError naming the version when it is empty, has a
 * non-numeric epoch or an upstream part not starting with a digit.
 */
export function parseDebianVersion(text: string): DebianVersion {
  const v = text.trim();
  if (v === "" || /\s/.test(v)) throw new InvalidArgumentError(`version "${text}": empty or contains blanks`);
  const colon = v.indexOf(":");
  let epoch = 0;
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d+$/.test(e)) throw new InvalidArgumentError(`version "${text}": epoch "${e}" is not a number`);
    epoch = Number(e);
  }
  const rest = v.slice(colon + 1);
  const hyphen = rest.lastIndexOf("-");
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : "";
  if (upstream === "" || !/^\d/.test(upstream)) {
    throw new InvalidArgumentError(`version "${text}": upstream version must start with a digit`);
  }
  return { epoch, upstream, revision };
}

// dpkg's order(): "~" sorts before everything, even the end of the part;
// letters sort before non-letters.
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === "~") return -1;
  if (/\d/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: alternate non-digit and digit runs. */
function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    while (i < a.length && /\d/.test(a[i]!) && j < b.length && /\d/.test(b[j]!)) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /\d/.test(a[i]!)) return 1;
    if (j < b.length && /\d/.test(b[j]!)) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Compare two versions as `dpkg --compare-versions` does: negative, zero or positive. */
export function compareDebianVersions(a: string | DebianVersion, b: string | DebianVersion): number {
  const x = typeof a === "string" ? parseDebianVersion(a) : a;
  const y = typeof b === "string" ? parseDebianVersion(b) : b;
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return compareParts(x.upstream, y.upstream) || compareParts(x.revision, y.revision);
}

/** True when `version` satisfies `relation target` (e.g. `>= 2.34`). */
export function satisfiesRelation(version: string, relation: VersionRelation, target: string): boolean {
  const c = compareDebianVersions(version, target);
  switch (relation) {
    case "<<": return c < 0;
    case "<=": return c <= 0;
    case "=": return c === 0;
    case ">=": return c >= 0;
    case ">>": return c > 0;
  }
}
