import { interpolate, type VariableLookup } from "./interpolation.js";
import type { YamlPath } from "./yaml-path.js";

/** Called once per string that used unset variables without defaults. */
export type MissingVariableHandler = (path: YamlPath, names: readonly string[]) => void;

/** A template problem at `path`; the caller adds the file and line. */
export class InterpolationFailure extends Error {
  constructor(readonly path: YamlPath, readonly failure: Error) {
    super(failure.message, { cause: failure });
  }
}

/**
 * Interpolate every string value in a parsed YAML tree, never the mapping
 * keys (compose-spec interpolation.md: "Interpolation applies only to YAML
 * values, not to keys"). Returns a new tree; the input is not changed.
 * Throws {@link InterpolationFailure} naming the path of the bad string.
 */
export function interpolateValues(tree: unknown, lookup: VariableLookup, onMissing: MissingVariableHandler, path: YamlPath = []): unknown {
  if (typeof tree === "string") {
    try {
      const r = interpolate(tree, lookup);
      if (r.missing.length > 0) onMissing(path, r.missing);
      return r.value;
    } catch (e) {
      throw new InterpolationFailure(path, e as Error);
    }
  }
  if (Array.isArray(tree)) return tree.map((v, i) => interpolateValues(v, lookup, onMissing, [...path, i]));
  if (isPlainObject(tree)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tree)) out[k] = interpolateValues(v, lookup, onMissing, [...path, k]);
    return out;
  }
  return tree;
}

/** True for a mapping parsed from YAML (not an array, not null). */
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
