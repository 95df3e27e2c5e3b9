/** A location in a YAML tree: mapping keys and sequence indexes, outermost first. */
export type YamlPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Render a path as users read it in compose errors: `services.web.ports[1]`.
 * Keys that are not plain words (a label such as `com.example.x`) are quoted:
 * `services.web.labels["com.example.x"]`. The empty path renders as `(top level)`.
 */
export function formatYamlPath(path: YamlPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (PLAIN_KEY.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === "" ? "(top level)" : out;
}

/** True when `path` starts with every element of `prefix`. */
export const hasPrefix = (path: YamlPath, prefix: YamlPath): boolean =>
  prefix.length <= path.length && prefix.every((p, i) => path[i] === p);

/**
 * True when `path` matches `pattern`, where `*` in the pattern stands for any
 * one key or index: `services.*.ports` matches `["services", "web", "ports"]`.
 */
export function matchesPattern(path: YamlPath, pattern: readonly string[]): boolean {
  if (path.length !== pattern.length) return false;
  return pattern.every((p, i) => p === "*" || p === path[i]);
}
