import { isPlainObject } from "./interpolate-values.js";
import { parseLongPortSpec, parsePortSpec, portKey, type LongPortSpec } from "./port-spec.js";
import { volumeTarget } from "./volume-spec.js";
import { matchesPattern, type YamlPath } from "./yaml-path.js";

type Indexer = (entry: unknown) => string;

const asText = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
const byName: Indexer = (e) => (typeof e === "string" ? e.split("=")[0]! : asText(e));
const byValue: Indexer = asText;

function byPort(e: unknown): string {
  try {
    if (typeof e === "string" || typeof e === "number") return parsePortSpec(e).map(portKey).join(",");
    if (isPlainObject(e)) return portKey(parseLongPortSpec(e as unknown as LongPortSpec));
  } catch {
    // A bad entry was reported when its file was checked; it cannot get here.
  }
  return asText(e);
}

const byTarget = (defaultDir: string): Indexer => (e) => {
  if (typeof e === "string") return `${defaultDir}${e}`;
  if (isPlainObject(e)) {
    const target = typeof e.target === "string" ? e.target : undefined;
    if (target === undefined) return `${defaultDir}${String(e.source)}`;
    return target.startsWith("/") ? target : `${defaultDir}${target}`;
  }
  return asText(e);
};

// compose-go's `unique` table: sequences whose entries are folded by a key after each merge.
const INDEXERS: [string[], Indexer][] = ([
  ["services.*.environment", byName], ["services.*.labels", byName], ["services.*.annotations", byName],
  ["services.*.sysctls", byName], ["services.*.build.args", byName], ["services.*.build.labels", byName],
  ["services.*.deploy.labels", byName], ["networks.*.labels", byName], ["volumes.*.labels", byName],
  ["secrets.*.labels", byName], ["configs.*.labels", byName],
  ["services.*.cap_add", byValue], ["services.*.cap_drop", byValue], ["services.*.profiles", byValue],
  ["services.*.security_opt", byValue], ["services.*.group_add", byValue], ["services.*.dns", byValue],
  ["services.*.dns_search", byValue], ["services.*.extra_hosts", byValue], ["services.*.expose", (e) => String(e)],
  ["services.*.networks.*.aliases", byValue], ["services.*.tmpfs", (e) => String(e).split(":")[0]!],
  ["services.*.env_file", (e) => (isPlainObject(e) ? String(e.path) : String(e))],
  ["services.*.ports", byPort], ["services.*.volumes", (e) => volumeTarget(e) ?? asText(e)],
  ["services.*.secrets", byTarget("/run/secrets/")], ["services.*.configs", byTarget("/")],
] as [string, Indexer][]).map(([p, i]) => [p.split("."), i]);

/**
 * Fold entries of keyed sequences that share a key into one: the entry stays
 * where the key first appeared and takes the last value. Applies at every
 * depth; returns a new tree.
 */
export function enforceUnicity(value: unknown, path: YamlPath = []): unknown {
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, enforceUnicity(v, [...path, k])]));
  }
  if (!Array.isArray(value)) return value;
  const items = value.map((v, i) => enforceUnicity(v, [...path, i]));
  const indexer = INDEXERS.find(([pattern]) => matchesPattern(path, pattern))?.[1];
  if (indexer === undefined) return items;
  const out: unknown[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = indexer(item);
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, out.length);
      out.push(item);
    } else out[at] = item;
  }
  return out;
}
