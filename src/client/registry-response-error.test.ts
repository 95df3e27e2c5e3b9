import { it } from "node:test";
import assert from "node:assert/strict";
import { errorCodeFor, isBodyRefusal, parseErrorBody, RegistryResponseError, type RegistryErrorEntry } from "./registry-response-error.js";

const codes: { status: number; errors?: string[]; insufficientScope?: boolean; want: string }[] = [
  { status: 401, errors: ["UNAUTHORIZED"], want: "UNAUTHENTICATED" },
  { status: 401, want: "UNAUTHENTICATED" },
  { status: 401, insufficientScope: true, want: "PERMISSION_DENIED" },
  { status: 401, errors: ["DENIED"], want: "PERMISSION_DENIED" },
  { status: 403, errors: ["DENIED"], want: "PERMISSION_DENIED" },
  { status: 404, errors: ["MANIFEST_UNKNOWN"], want: "NOT_FOUND" },
  { status: 404, errors: ["NAME_UNKNOWN"], want: "NOT_FOUND" },
  { status: 404, errors: ["BLOB_UNKNOWN"], want: "NOT_FOUND" },
  { status: 400, errors: ["MANIFEST_BLOB_UNKNOWN"], want: "FAILED_PRECONDITION" },
  { status: 400, errors: ["DIGEST_INVALID"], want: "INVALID_ARGUMENT" },
  { status: 413, want: "INVALID_ARGUMENT" },
  { status: 405, errors: ["UNSUPPORTED"], want: "FAILED_PRECONDITION" },
  { status: 416, want: "FAILED_PRECONDITION" },
  { status: 429, errors: ["TOOMANYREQUESTS"], want: "UNAVAILABLE" },
  { status: 500, want: "UNAVAILABLE" },
  { status: 503, want: "UNAVAILABLE" },
];
for (const c of codes) {
  it(`errorCodeFor ${c.status} ${c.errors?.join(",") ?? ""}${c.insufficientScope ? " insufficient_scope" : ""} → ${c.want}`, () => {
    const errors: RegistryErrorEntry[] = (c.errors ?? []).map((code) => ({ code, message: "" }));
    assert.equal(errorCodeFor(c.status, errors, c.insufficientScope), c.want);
  });
}

const bodies: { name: string; body: string; want: RegistryErrorEntry[] }[] = [
  {
    name: "distribution's errors",
    body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}',
    want: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "x" } }],
  },
  { name: "OAuth2", body: '{"error":"invalid_grant","error_description":"bad password"}', want: [{ code: "INVALID_GRANT", message: "bad password" }] },
  { name: "a token server's details", body: '{"details":"incorrect username or password"}', want: [{ code: "UNKNOWN", message: "incorrect username or password" }] },
  { name: "not JSON", body: "<html>502</html>", want: [] },
  { name: "entries that are not objects", body: '{"errors":[1,null,"x",{"message":7}]}', want: [{ code: "UNKNOWN", message: "" }] },
  { name: "control characters", body: '{"errors":[{"code":"X","message":"a\\u001b[2Jb\\nc"}]}', want: [{ code: "X", message: "a [2Jb c" }] },
];
for (const c of bodies) {
  it(`parseErrorBody: ${c.name}`, () => {
    assert.deepEqual(parseErrorBody(Buffer.from(c.body)), c.want);
  });
}

it("parseErrorBody keeps at most 10 entries of at most 300 characters", () => {
  const body = JSON.stringify({ errors: Array.from({ length: 50 }, () => ({ code: "X", message: "m".repeat(10_000) })) });
  const entries = parseErrorBody(Buffer.from(body));
  assert.equal(entries.length, 10);
  assert.ok(entries.every((e) => e.message.length <= 301));
});

it("RegistryResponseError says method, URL, status and codes, with the login hint on 401", () => {
  const e = new RegistryResponseError(401, "GET", "https://r.example/v2/a/manifests/1", [{ code: "UNAUTHORIZED", message: "authentication required" }], "r.example");
  assert.equal(e.message, "GET https://r.example/v2/a/manifests/1: 401 Unauthorized: UNAUTHORIZED: authentication required");
  assert.equal(e.code, "UNAUTHENTICATED");
  assert.equal(e.hint, "run berth login r.example");
  assert.ok(e.hasCode("UNAUTHORIZED"));
  const head = new RegistryResponseError(404, "HEAD", "https://r.example/v2/a/blobs/x", [], "r.example");
  assert.match(head.message, /404 Not Found \(HEAD responses have no body, use GET for details\)$/);
});

const refusals: { status: number; errors?: string[]; want: boolean }[] = [
  { status: 405, errors: ["UNSUPPORTED"], want: true },
  { status: 413, want: true },
  { status: 411, want: true },
  { status: 416, want: true },
  { status: 501, want: true },
  { status: 400, errors: ["BLOB_UPLOAD_INVALID"], want: true },
  { status: 400, errors: ["DIGEST_INVALID"], want: false },
  { status: 400, errors: ["SIZE_INVALID"], want: false },
  { status: 404, errors: ["BLOB_UPLOAD_UNKNOWN"], want: false },
  { status: 500, want: false },
  { status: 401, want: false },
];
for (const c of refusals) {
  it(`isBodyRefusal ${c.status} ${c.errors?.join(",") ?? ""} → ${c.want}`, () => {
    const errors: RegistryErrorEntry[] = (c.errors ?? []).map((code) => ({ code, message: "" }));
    assert.equal(isBodyRefusal(new RegistryResponseError(c.status, "PUT", "http://r/v2/a/blobs/uploads/x", errors, "r")), c.want);
  });
}

it("isBodyRefusal is false for what is not a registry's answer", () => {
  assert.equal(isBodyRefusal(new Error("socket hang up")), false);
  assert.equal(isBodyRefusal(undefined), false);
});
