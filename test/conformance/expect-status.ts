import assert from "node:assert/strict";
import type { RegistryResponse } from "./registry-client.js";

/** An accepted status: an exact code, or any 2xx (Go's `>= 200` and `< 300`). */
export type StatusMatcher = number | "2xx";

const matches = (status: number, m: StatusMatcher): boolean =>
  m === "2xx" ? status >= 200 && status < 300 : status === m;

/** The request and a body excerpt, so a failed check says what the registry answered. */
export const describeResponse = (res: RegistryResponse): string => {
  const body = res.text().slice(0, 500);
  return `${res.method} ${res.path} answered ${res.status}${body === "" ? "" : `: ${body}`}`;
};

/** Fail unless the status is one of `accepted` (Gomega's SatisfyAny of Equal / BeNumerically). */
export function expectStatus(res: RegistryResponse, ...accepted: StatusMatcher[]): void {
  if (accepted.some((m) => matches(res.status, m))) return;
  assert.fail(`${describeResponse(res)}; expected ${accepted.join(" or ")}`);
}

/** Fail when the Location header is missing or empty. */
export function expectLocation(res: RegistryResponse): string {
  const location = res.header("Location");
  assert.notEqual(location, "", `${describeResponse(res)}; expected a Location header`);
  return location;
}

/** Fail unless header `name` equals `expected` exactly. */
export function expectHeader(res: RegistryResponse, name: string, expected: string): void {
  assert.equal(res.header(name), expected, `${describeResponse(res)}; header ${name}`);
}

/** One entry of an OCI error body `{"errors": [{"code", "message", "detail"}]}`. */
export interface OciError {
  readonly code: string;
  readonly message?: string;
}

/** The `errors` array of an OCI error body; fails when the body is not such JSON (reggie's Errors()). */
export function ociErrors(res: RegistryResponse): OciError[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text());
  } catch {
    assert.fail(`${describeResponse(res)}; expected an OCI error body in JSON`);
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  if (errors === undefined || errors === null) return [];
  assert.ok(Array.isArray(errors), `${describeResponse(res)}; "errors" is not an array`);
  return errors.map((e: unknown) => ({ code: String((e as { code?: unknown } | null)?.code ?? "") }));
}

/** The `tags` of a tag list body, or [] when it is not JSON (setup.go's getTagList). */
export function tagsOf(res: RegistryResponse): string[] {
  try {
    const tags = (JSON.parse(res.text()) as { tags?: unknown } | null)?.tags;
    return Array.isArray(tags) ? tags.map(String) : [];
  } catch {
    return [];
  }
}
