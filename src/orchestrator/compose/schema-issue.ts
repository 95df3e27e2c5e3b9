import type * as z from "zod";
import type { YamlPath } from "./yaml-path.js";

/** The one problem reported for a value that failed a compose schema. */
export interface SchemaProblem {
  readonly path: YamlPath;
  readonly message: string;
  readonly hint?: string;
}

type Issue = z.core.$ZodIssue;

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a mapping" : typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v) : String(v);

// The value is not of the type a schema (or every option of a union) wants, as opposed to the right type with a wrong value.
const isTypeMismatch = (i: Issue): boolean =>
  i.path.length === 0 && (i.code === "invalid_type" || (i.code === "invalid_union" && i.errors.every((b) => b.every(isTypeMismatch))));

const ARTICLE: Record<string, string> = { object: "a mapping", array: "a list", string: "a string", number: "a number", boolean: "true or false", int: "a whole number" };

/** Parse options that make zod's messages read as compose users expect ("expected a list, got a string"). */
export const PARSE_OPTIONS = {
  reportInput: true,
  error: (iss: z.core.$ZodRawIssue): string | undefined =>
    iss.code === "invalid_type" ? `expected ${ARTICLE[iss.expected] ?? iss.expected}, got ${iss.input === undefined ? "nothing" : describe(iss.input)}` : undefined,
};

/**
 * Pick the issue to report from a failed parse. For a value that may take
 * several shapes (a union), report from the shape the value chose (the one
 * whose problems are deepest, or not about the value's type), so a wrong
 * port in a list reads "ports[1]: invalid port", not "expected a string".
 */
export function schemaProblem(error: z.ZodError): SchemaProblem {
  return pick(error.issues[0]!, []);
}

function pick(issue: Issue, base: YamlPath): SchemaProblem {
  const path = [...base, ...(issue.path as (string | number)[])];
  if (issue.code === "invalid_union") {
    const matched = issue.errors.filter((branch) => !branch.every(isTypeMismatch));
    if (matched.length > 0) {
      const depth = (branch: Issue[]): number => Math.max(...branch.map((i) => i.path.length + (i.code === "invalid_type" ? 0 : 0.5)));
      const best = matched.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      return pick(best[0]!, path);
    }
    return { path, message: `${issue.message}, got ${describe(issue.input)}` };
  }
  if (issue.code === "invalid_key" || issue.code === "invalid_element") {
    const key = issue.code === "invalid_key" ? (issue.input as string | undefined) : undefined;
    const inner = issue.issues[0];
    return { path, message: inner === undefined ? issue.message : `${JSON.stringify(key ?? "")} ${inner.message}` };
  }
  const hint = issue.code === "custom" ? (issue.params as { hint?: string } | undefined)?.hint : undefined;
  const withInput = (issue.code === "too_small" || issue.code === "too_big" || issue.code === "invalid_value" || issue.code === "invalid_format") && "input" in issue
    ? `${issue.message}, got ${describe(issue.input)}`
    : issue.message;
  return { path, message: withInput, ...(hint !== undefined && { hint }) };
}
