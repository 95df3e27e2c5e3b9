import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AccessRules, globToRegExp } from "./access-rules.js";
import type { AccessRule } from "./auth-config.js";

const rules: readonly AccessRule[] = [
  { repository: "team-a/*", users: ["alice", "bob"], actions: ["pull", "push"] },
  { repository: "public/**", users: ["admin"], actions: ["*"] },
  { repository: "public/**", users: ["*", "anonymous"], actions: ["pull"] },
  { repository: "exact", users: ["carol"], actions: ["delete"] },
];

interface RuleCase {
  readonly account: string | undefined;
  readonly repository: string;
  readonly requested: readonly string[];
  readonly want: readonly string[];
}

const cases: readonly RuleCase[] = [
  // A named user on a matching rule gets the rule's actions only.
  { account: "alice", repository: "team-a/app", requested: ["pull", "push", "delete"], want: ["pull", "push"] },
  // The rule names team-a/* but not carol: closed to her, not the default.
  { account: "carol", repository: "team-a/app", requested: ["pull"], want: [] },
  { account: undefined, repository: "team-a/app", requested: ["pull"], want: [] },
  // `*` stays within one segment.
  { account: "dave", repository: "team-a/app/sub", requested: ["pull", "push", "delete"], want: ["pull", "push", "delete"] },
  // `**` spans segments; the first matching rule for the user wins.
  { account: "admin", repository: "public/x/y", requested: ["pull", "push", "delete"], want: ["pull", "push", "delete"] },
  { account: "admin", repository: "public/x", requested: ["*"], want: ["*"] },
  { account: "eve", repository: "public/x/y", requested: ["pull", "push"], want: ["pull"] },
  { account: "eve", repository: "public/x", requested: ["*"], want: [] },
  { account: undefined, repository: "public/x", requested: ["pull", "push"], want: ["pull"] },
  // Exact names; unknown actions are never granted.
  { account: "carol", repository: "exact", requested: ["delete", "pull", "fly"], want: ["delete"] },
  { account: "carol", repository: "exactly", requested: ["pull"], want: ["pull"] },
  // No rule names the repository: authenticated users get everything, anonymous the `anonymous` setting (none).
  { account: "zed", repository: "other/thing", requested: ["pull", "push", "delete", "*"], want: ["pull", "push", "delete", "*"] },
  { account: undefined, repository: "other/thing", requested: ["pull"], want: [] },
  // Duplicates collapse, order is the request's.
  { account: "zed", repository: "x", requested: ["push", "pull", "push"], want: ["push", "pull"] },
];

describe("AccessRules.evaluate", () => {
  const access = new AccessRules(rules, "none");
  for (const c of cases) {
    it(`${c.account ?? "(anonymous)"} ${c.requested.join(",")} on ${c.repository} → ${c.want.join(",") || "nothing"}`, () => {
      assert.deepEqual(access.evaluate(c.account, c.repository, c.requested), c.want);
    });
  }

  it("gives anonymous users pull by default with anonymous: pull", () => {
    const open = new AccessRules(rules, "pull");
    assert.deepEqual(open.evaluate(undefined, "other/thing", ["pull", "push"]), ["pull"]);
    assert.deepEqual(open.evaluate(undefined, "team-a/app", ["pull"]), []);
  });

  it("opens the catalog to authenticated users only", () => {
    const open = new AccessRules([], "pull");
    const catalog = { type: "registry", name: "catalog", actions: ["*"] } as const;
    assert.deepEqual(open.grant("zed", catalog).actions, ["*"]);
    assert.deepEqual(open.grant(undefined, catalog).actions, []);
    assert.deepEqual(open.grant("zed", { ...catalog, name: "other" }).actions, []);
  });
});

describe("globToRegExp", () => {
  const table: readonly [string, string, boolean][] = [
    ["a/*", "a/b", true],
    ["a/*", "a/b/c", false],
    ["a/*", "a", false],
    ["a/**", "a/b/c", true],
    ["a/**/z", "a/z", true],
    ["a/**/z", "a/b/c/z", true],
    ["a/**/z", "a/bz", false],
    ["**", "anything/at/all", true],
    ["a.b", "axb", false],
    ["*-app", "web-app", true],
  ];
  for (const [glob, name, want] of table) {
    it(`${glob} ${want ? "matches" : "does not match"} ${name}`, () => {
      assert.equal(globToRegExp(glob).test(name), want);
    });
  }
});
