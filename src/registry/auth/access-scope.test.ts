import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatScope, parseScope, parseScopes } from "./access-scope.js";
import { parseAuthorization } from "./authorization-header.js";

describe("parseScope", () => {
  const table: readonly { input: string; want?: unknown; expectErr?: RegExp }[] = [
    { input: "repository:team-a/app:pull,push", want: { type: "repository", name: "team-a/app", actions: ["pull", "push"] } },
    { input: "repository(plugin):p:pull", want: { type: "repository", name: "p", actions: ["pull"] } },
    { input: "repository:localhost:5000/app:pull", want: { type: "repository", name: "localhost:5000/app", actions: ["pull"] } },
    { input: "registry:catalog:*", want: { type: "registry", name: "catalog", actions: ["*"] } },
    { input: "repository:a:pull,pull", want: { type: "repository", name: "a", actions: ["pull"] } },
    { input: "namespace:x:pull", want: undefined },
    { input: "repository:a", expectErr: /scope "repository:a": expected type:name:action/ },
    { input: "repository::pull", expectErr: /expected type:name:action/ },
    { input: ":a:pull", expectErr: /expected type:name:action/ },
    { input: "repository:a:PULL", expectErr: /expected type:name:action/ },
  ];
  for (const c of table) {
    it(c.input, () => {
      if (c.expectErr) assert.throws(() => parseScope(c.input), c.expectErr);
      else assert.deepEqual(parseScope(c.input), c.want);
    });
  }

  it("merges repeated and space-separated scopes per resource", () => {
    const scopes = parseScopes(["repository:a:pull repository:b:pull", "repository:a:push", "namespace:n:x"]);
    assert.deepEqual(scopes.map(formatScope), ["repository:a:pull,push", "repository:b:pull"]);
  });
});

describe("parseAuthorization", () => {
  const basic = (s: string): string => `Basic ${Buffer.from(s).toString("base64")}`;
  const table: readonly { input: string | undefined; want: unknown }[] = [
    { input: undefined, want: undefined },
    { input: "  ", want: undefined },
    { input: basic("alice:pa:ss"), want: { scheme: "basic", user: "alice", password: "pa:ss" } },
    { input: `basic ${Buffer.from("u:").toString("base64")}`, want: { scheme: "basic", user: "u", password: "" } },
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
