import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAuthorization } from "./authorization-header.js";

describe("parseAuthorization", () => {
  const basic = (s: string): string => `Basic ${Buffer.from(s).toString("base64")}`;
  const table: readonly { input: string | undefined; want: unknown }[] = [
    { input: undefined, want: undefined },
    { input: "  ", want: undefined },
    { input: basic("alice:pa:ss"), want: { scheme: "basic", user: "alice", password: "pa:ss" } },
    { input: `basic ${Buffer.from("u:").toString("base64")}`, want: { scheme: "basic", user: "u", password: "" } },
    { input: basic(":"), want: undefined },
    { input: basic(":nouser"), want: { scheme: "malformed", reason: 'basic credentials are not "user:password"' } },
    { input: "Basic !!!", want: { scheme: "malformed", reason: "basic credentials are not base64" } },
    { input: "Bearer abc.def.ghi", want: { scheme: "bearer", token: "abc.def.ghi" } },
    { input: "Bearer", want: { scheme: "malformed", reason: "bearer token is empty or has spaces" } },
    { input: "Digest x=y", want: { scheme: "other", name: "Digest" } },
  ];
  for (const c of table) {
    it(String(c.input), () => assert.deepEqual(parseAuthorization(c.input), c.want));
  }
});
