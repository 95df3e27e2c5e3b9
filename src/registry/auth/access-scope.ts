import { InvalidArgumentError } from "../../oci/index.js";

/**
 * Access to one resource, as in Docker's token scope grammar
 * (`repository:team-a/app:pull,push`, `registry:catalog:*`): what a request
 * needs, what a token grants.
 */
export interface AccessScope {
  readonly type: "repository" | "registry";
  readonly name: string;
  readonly actions: readonly string[];
}

const TYPE_RE = /^([a-z0-9]+)(?:\([a-z0-9]+\))?$/;
const ACTION_RE = /^[a-z*-]*$/;

/**
 * Parse one resource scope, `type[(class)]:name:action[,action…]`. The name
 * may itself hold a `:` (a host port), so type is before the first colon and
 * actions after the last. The resource class is ignored, as the spec now says.
 * Returns undefined for resource types berth does not serve; throws
 * InvalidArgumentError for text that is not a scope.
 */
export function parseScope(s: string): AccessScope | undefined {
  const first = s.indexOf(":");
  const last = s.lastIndexOf(":");
  const typeMatch = TYPE_RE.exec(s.slice(0, Math.max(first, 0)));
  const name = s.slice(first + 1, last);
  const actions = s.slice(last + 1).split(",").filter((a) => a !== "");
  if (first <= 0 || last === first || typeMatch === null || name === "" || !actions.every((a) => ACTION_RE.test(a))) {
    throw new InvalidArgumentError(`scope "${s}": expected type:name:action[,action], e.g. repository:team-a/app:pull,push`);
  }
  const type = typeMatch[1];
  if (type !== "repository" && type !== "registry") return undefined;
  return { type, name, actions: [...new Set(actions)] };
}

/**
 * Parse scope parameters: each value may hold several scopes separated by
 * spaces (the OAuth form). Scopes of one resource are merged, actions in
 * first-seen order; unknown resource types are left out.
 */
export function parseScopes(values: readonly string[]): AccessScope[] {
  const merged = new Map<string, { type: AccessScope["type"]; name: string; actions: Set<string> }>();
  for (const value of values) {
    for (const part of value.split(" ")) {
      if (part === "") continue;
      const scope = parseScope(part);
      if (scope === undefined) continue;
      const key = `${scope.type}:${scope.name}`;
      const entry = merged.get(key) ?? { type: scope.type, name: scope.name, actions: new Set<string>() };
      for (const a of scope.actions) entry.actions.add(a);
      merged.set(key, entry);
    }
  }
  return [...merged.values()].map((e) => ({ type: e.type, name: e.name, actions: [...e.actions] }));
}

/** `repository:team-a/app:pull,push`, the form of challenges and OAuth responses. */
export function formatScope(scope: AccessScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(",")}`;
}

/** Whether the granted `actions` include `action`, a granted `*` including every action. */
export function hasAction(actions: readonly string[], action: string): boolean {
  return actions.includes(action) || actions.includes("*");
}
