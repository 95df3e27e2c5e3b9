import { InvalidArgumentError } from "../oci/index.js";
import { fieldOf, parseControlStanzas, type ControlStanza } from "./control-stanzas.js";
import { compareDebianVersions, type VersionRelation } from "./debian-version.js";

/** One alternative of a dependency: `name [(relation version)]`. */
export interface PackageRelation {
  readonly name: string;
  readonly relation?: VersionRelation;
  readonly version?: string;
}

/** `a | b (>= 1)`: satisfied by the first alternative that can be. */
export type DependencyGroup = readonly PackageRelation[];

/** A binary package as a Packages index describes it. */
export interface PackageRecord {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly priority: string;
  readonly isEssential: boolean;
  /** Pre-Depends first, then Depends. Recommends and Suggests are ignored on purpose. */
  readonly depends: readonly DependencyGroup[];
  readonly provides: readonly PackageRelation[];
  /** Path below the mirror's base URL (`pool/main/…/x.deb`). */
  readonly filename: string;
  readonly size: number;
  readonly sha256: string;
  /** Base URL of the archive the index came from. */
  readonly baseUrl: string;
}

const RELATIONS: Record<string, VersionRelation> = { "<<": "<<", "<=": "<=", "=": "=", ">=": ">=", ">>": ">>", "<": "<=", ">": ">=" };

/**
 * Parse a Depends-style field (`a (>= 1) | b:any, c [amd64]`). Architecture
 * qualifiers (`:any`, `:native`) and restriction lists are dropped: berth
 * installs one architecture. Throws InvalidArgumentError naming `source`.
 */
export function parseRelations(text: string, source: string): DependencyGroup[] {
  const groups: DependencyGroup[] = [];
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const alts: PackageRelation[] = [];
    for (const alt of part.split("|")) {
      const clean = alt.replace(/\[[^\]]*\]/g, "").replace(/<[^>]*>/g, "").trim();
      const m = /^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([0-9A-Za-z][^)\s]*)\s*\))?$/.exec(clean);
      if (!m) throw new InvalidArgumentError(`${source}: bad relation ${JSON.stringify(alt.trim())}`);
      alts.push({ name: m[1]!, ...(m[2] && { relation: RELATIONS[m[2]]!, version: m[3]! }) });
    }
    groups.push(alts);
  }
  return groups;
}

function recordOf(s: ControlStanza, baseUrl: string, source: string): PackageRecord {
  // Archive tools (dak, reprepro, apt-ftparchive) write canonical field names; an exact
  // lookup keeps a 60 000-stanza index fast where a case-insensitive scan would not.
  const get = (f: string): string | undefined => s.fields.get(f);
  const need = (f: string): string => {
    const v = get(f);
    if (v === undefined || v === "") throw new InvalidArgumentError(`${source}: package ${fieldOf(s, "Package") ?? "?"} has no ${f} field`);
    return v;
  };
  const name = need("Package");
  const src = `${source} (${name})`;
  const sha256 = need("SHA256");
  if (!/^[a-f0-9]{64}$/.test(sha256)) throw new InvalidArgumentError(`${src}: SHA256 is not 64 hex digits`);
  return {
    name,
    version: need("Version"),
    architecture: need("Architecture"),
    priority: get("Priority") ?? "optional",
    isEssential: get("Essential") === "yes",
    depends: [...parseRelations(get("Pre-Depends") ?? "", src), ...parseRelations(get("Depends") ?? "", src)],
    provides: parseRelations(get("Provides") ?? "", src).map((g) => g[0]!),
    filename: need("Filename"),
    size: Number(need("Size")),
    sha256,
    baseUrl,
  };
}

/**
 * Every package of one or more Packages indexes, by name and by what they
 * provide. Several versions of a name (e.g. from `bookworm` and
 * `bookworm-security`) are kept, newest first.
 */
export class PackagesIndex {
  private readonly byName = new Map<string, PackageRecord[]>();
  private readonly byProvides = new Map<string, { record: PackageRecord; provided: PackageRelation }[]>();

  /** Add the stanzas of a Packages file fetched from `baseUrl`; `source` names it in errors. */
  addText(text: string, baseUrl: string, source: string): void {
    for (const s of parseControlStanzas(text, source)) this.add(recordOf(s, baseUrl, source));
  }

  add(record: PackageRecord): void {
    const list = this.byName.get(record.name) ?? [];
    list.push(record);
    list.sort((a, b) => compareDebianVersions(b.version, a.version));
    this.byName.set(record.name, list);
    for (const p of record.provides) {
      const l = this.byProvides.get(p.name) ?? [];
      l.push({ record, provided: p });
      this.byProvides.set(p.name, l);
    }
  }

  /** Real packages named `name`, newest first. */
  versions(name: string): readonly PackageRecord[] {
    return this.byName.get(name) ?? [];
  }

  /** Packages that provide the virtual `name`, with the version they provide it at, if any. */
  providers(name: string): readonly { record: PackageRecord; provided: PackageRelation }[] {
    return this.byProvides.get(name) ?? [];
  }

  /** Every package that matches `pred`, newest version of each name only. */
  newest(pred: (r: PackageRecord) => boolean): PackageRecord[] {
    return [...this.byName.values()].map((l) => l[0]!).filter(pred);
  }
}
