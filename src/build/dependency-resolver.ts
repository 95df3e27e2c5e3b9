import { satisfiesRelation } from "./debian-version.js";
import { UnsatisfiableDependencyError } from "./errors.js";
import type { DependencyGroup, PackageRecord, PackageRelation, PackagesIndex } from "./packages-index.js";

export interface ResolveOptions {
  /**
   * Also install dependencies on `Essential: yes` / `Priority: required`
   * packages (shells, coreutils, dpkg, debconf…). Off for distroless bases:
   * Debian lets packages depend on those implicitly, and a distroless image
   * is precisely the image without them. Packages asked for by name are
   * always installed.
   */
  readonly includeRequired?: boolean;
  /** Names never installed as dependencies (a group naming only these counts as satisfied). */
  readonly exclude?: readonly string[];
}

const isBaseSystem = (r: PackageRecord): boolean => r.isEssential || r.priority === "required";

const fits = (version: string | undefined, rel: PackageRelation): boolean =>
  rel.relation === undefined || (version !== undefined && satisfiesRelation(version, rel.relation, rel.version!));

const PRIORITY_RANK: Record<string, number> = { required: 0, important: 1, standard: 2, optional: 3, extra: 4 };
const rank = (r: PackageRecord): number => PRIORITY_RANK[r.priority] ?? 5;

/**
 * The packages that can satisfy `rel`, best first: real packages newest
 * first, then providers by priority (as apt prefers mawk over gawk for awk), then name.
 */
function candidates(index: PackagesIndex, rel: PackageRelation): PackageRecord[] {
  const real = index.versions(rel.name).filter((r) => fits(r.version, rel));
  const virtual = index.providers(rel.name).filter((p) => fits(p.provided.version, rel)).map((p) => p.record)
    .sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...real, ...virtual];
}

/**
 * Choose the packages to install for `names` and, transitively, their
 * Pre-Depends and Depends: version constraints with dpkg's comparison, the
 * first satisfiable alternative of a `|` group, virtual packages through
 * Provides (a package already chosen is preferred), the newest candidate
 * otherwise. Recommends and Suggests are ignored. Returns one record per
 * package, sorted by name. Throws UnsatisfiableDependencyError naming the
 * dependency and the chain of packages that needed it.
 */
export function resolveDependencies(index: PackagesIndex, names: readonly string[], opts: ResolveOptions = {}): PackageRecord[] {
  const chosen = new Map<string, PackageRecord>();
  const exclude = new Set(opts.exclude ?? []);
  const queue: { group: DependencyGroup; chain: readonly string[]; isAsked: boolean }[] =
    names.map((n) => ({ group: [{ name: n }], chain: [], isAsked: true }));
  // Each package enqueues its dependencies once, so the loop is bounded by the index size.
  for (let i = 0; i < queue.length; i++) {
    const { group, chain, isAsked } = queue[i]!;
    const picked = pick(index, chosen, group, isAsked ? new Set() : exclude, isAsked || opts.includeRequired === true);
    if (picked === "satisfied") continue;
    if (picked === undefined || chosen.has(picked.name)) {
      const clash = group.map((r) => chosen.get(r.name)).filter((r) => r !== undefined).map((r) => `${r.name} ${r.version} already chosen`);
      throw new UnsatisfiableDependencyError(formatGroup(group), [...chain, ...clash]);
    }
    chosen.set(picked.name, picked);
    for (const g of picked.depends) queue.push({ group: g, chain: [...chain, picked.name], isAsked: false });
  }
  return [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function pick(
  index: PackagesIndex, chosen: ReadonlyMap<string, PackageRecord>, group: DependencyGroup,
  exclude: ReadonlySet<string>, includeRequired: boolean,
): PackageRecord | "satisfied" | undefined {
  // Already installed: by name at a fitting version, or through Provides.
  for (const rel of group) {
    const have = chosen.get(rel.name);
    if (have && fits(have.version, rel)) return "satisfied";
    for (const c of chosen.values()) {
      if (c.provides.some((p) => p.name === rel.name && fits(p.version, rel))) return "satisfied";
    }
  }
  for (const rel of group) {
    if (exclude.has(rel.name)) return "satisfied";
    // A dependency the base system can meet (awk ← mawk, even though gawk also provides it) is left to it.
    if (!includeRequired && candidates(index, rel).some(isBaseSystem)) return "satisfied";
  }
  for (const rel of group) {
    const cs = candidates(index, rel);
    const best = cs.find((c) => !chosen.has(c.name)) ?? cs[0];
    if (best) return best;
  }
  return undefined;
}

const formatGroup = (g: DependencyGroup): string =>
  g.map((r) => (r.relation ? `${r.name} (${r.relation} ${r.version})` : r.name)).join(" | ");
