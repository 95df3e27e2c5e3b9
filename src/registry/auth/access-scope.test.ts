import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatScope, parseScope, parseScopes } from "./access-scope.js";

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
