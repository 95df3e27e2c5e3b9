import { enforceUnicity } from "./enforce-unicity.js";
import { isPlainObject } from "./interpolate-values.js";
import { matchesPattern, type YamlPath } from "./yaml-path.js";

/** One file's contribution to a merge: its tree and the paths it tagged `!reset` / `!override`. */
export interface MergeLayer {
  readonly value: Record<string, unknown>;
  readonly resets: readonly YamlPath[];
  readonly overrides: readonly YamlPath[];
}

/** Two files give the same field values of different kinds (a mapping and a string, say) where compose has no rule to combine them. */
export class MergeConflict extends Error {
  constructor(readonly path: YamlPath, readonly baseKind: string, readonly overrideKind: string) {
    super(`cannot merge ${overrideKind} into ${baseKind}`);
  }
}

type Merger = (base: unknown, over: unknown, path: YamlPath, ctx: Ctx) => unknown;
interface Ctx {
  readonly overrides: ReadonlySet<string>;
}

const replace: Merger = (_b, o) => o;
const toSequence = (v: unknown): unknown[] =>
  Array.isArray(v) ? v
    : isPlainObject(v) ? Object.entries(v).map(([k, x]) => (x === null || x === undefined ? k : `${k}=${String(x)}`))
    : v === null || v === undefined ? [] : [v];
const appendAsSequence: Merger = (b, o) => [...toSequence(b), ...toSequence(o)];
const toMapping = (v: unknown, entry: unknown): Record<string, unknown> =>
  Array.isArray(v) ? Object.fromEntries(v.map((k) => [String(k), structuredClone(entry)])) : isPlainObject(v) ? v : {};

// Rules that differ from "mappings merge, sequences append, scalars replace": compose-go's mergeSpecials.
const RULES: [string, Merger][] = [
  ["services.*.command", replace],
  ["services.*.entrypoint", replace],
  ["services.*.healthcheck.test", replace],
  ["services.*.build", (b, o, p, c) => mergeMappings(typeof b === "string" ? { context: b } : toMapping(b, null), typeof o === "string" ? { context: o } : toMapping(o, null), p, c)],
  ["services.*.depends_on", (b, o, p, c) => {
    const short = { condition: "service_started", required: true };
    return mergeMappings(toMapping(b, short), toMapping(o, short), p, c);
  }],
  ["services.*.networks", (b, o, p, c) => mergeMappings(toMapping(b, null), toMapping(o, null), p, c)],
  ["services.*.logging", (b, o, p, c) => {
    const bd = isPlainObject(b) ? b.driver : undefined;
    const od = isPlainObject(o) ? o.driver : undefined;
    return bd !== undefined && od !== undefined && bd !== od ? o : mergeValue(b, o, p, c, false);
  }],
  ["services.*.ulimits.*", (b, o, p, c) => (isPlainObject(b) && isPlainObject(o) ? mergeMappings(b, o, p, c) : o)],
  ...["environment", "labels", "annotations", "sysctls", "extra_hosts", "dns", "dns_search", "tmpfs", "env_file", "build.args", "build.labels", "deploy.labels"]
    .map((f): [string, Merger] => [`services.*.${f}`, appendAsSequence]),
  ...["networks", "volumes", "secrets", "configs"].map((t): [string, Merger] => [`${t}.*.labels`, appendAsSequence]),
];
const PATTERNS = RULES.map(([p, m]): [string[], Merger] => [p.split("."), m]);

/**
 * Merge compose files as compose-spec merge.md and docker compose (compose-go
 * `override.Merge` + `EnforceUnicity`) do: mappings merge key by key (an
 * `x-*` key is replaced whole); sequences append, then entries with the same
 * key are folded into one, keeping the first one's position and the last
 * one's value (ports by {host_ip, published, target, protocol}, volumes,
 * secrets and configs by target, environment, labels and build args by name,
 * env_file by path, cap_add, profiles, expose… by value); `command`,
 * `entrypoint` and `healthcheck.test` are replaced; `depends_on`, `networks`
 * and `build` are merged as mappings whichever syntax each file uses;
 * `logging` is replaced when the drivers differ. `!override` replaces, `!reset`
 * removes. A null in the later file leaves the earlier value; a scalar is
 * replaced by a value of any kind.
 *
 * Returns a new tree. Throws {@link MergeConflict} for values of different
 * kinds that no rule combines (a mapping or a list met by another kind).
 */
export function mergeLayers(base: Record<string, unknown>, layer: MergeLayer): Record<string, unknown> {
  const ctx: Ctx = { overrides: new Set(layer.overrides.map((p) => JSON.stringify(p))) };
  // As compose-go: a reset removes from what the earlier files built, then the layer merges in.
  const cleared = structuredClone(base);
  for (const path of layer.resets) {
    if (path.some((p) => typeof p === "number")) continue; // already removed from the layer itself
    deletePath(cleared, path);
  }
  const merged = mergeMappings(cleared, structuredClone(layer.value), [], ctx);
  return enforceUnicity(merged) as Record<string, unknown>;
}

function mergeMappings(base: Record<string, unknown>, over: Record<string, unknown>, path: YamlPath, ctx: Ctx): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const p = [...path, key];
    out[key] = key in out && !key.startsWith("x-") ? mergeValue(out[key], value, p, ctx, true) : value;
  }
  return out;
}

function mergeValue(base: unknown, over: unknown, path: YamlPath, ctx: Ctx, useRules: boolean): unknown {
  if (ctx.overrides.has(JSON.stringify(path))) return over;
  if (over === null || over === undefined) return base;
  if (base === null || base === undefined) return over;
  if (useRules) {
    const rule = PATTERNS.find(([pattern]) => matchesPattern(path, pattern));
    if (rule !== undefined) return rule[1](base, over, path, ctx);
  }
  if (isPlainObject(base) && isPlainObject(over)) return mergeMappings(base, over, path, ctx);
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  // As compose-go: a scalar is replaced by anything; a mapping or a list only by its own kind.
  if (isPlainObject(base) || Array.isArray(base)) throw new MergeConflict(path, kind(base), kind(over));
  return over;
}

const kind = (v: unknown): string => (Array.isArray(v) ? "a list" : isPlainObject(v) ? "a mapping" : `a ${typeof v}`);

function deletePath(root: Record<string, unknown>, path: YamlPath): void {
  let node: unknown = root;
  for (const part of path.slice(0, -1)) {
    node = isPlainObject(node) ? node[String(part)] : undefined;
  }
  const last = String(path[path.length - 1]);
  if (isPlainObject(node)) delete node[last];
  else if (Array.isArray(node)) {
    // The list form of a keyed field: environment ["FOO=1"], depends_on ["db"].
    for (let i = node.length - 1; i >= 0; i--) {
      if (typeof node[i] === "string" && (node[i] as string).split("=")[0] === last) node.splice(i, 1);
    }
  }
}
