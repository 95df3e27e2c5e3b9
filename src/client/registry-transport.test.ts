import { it } from "node:test";
import assert from "node:assert/strict";
import { scopeCovers } from "./registry-transport.js";

const cases: [string, string, boolean][] = [
  ["repository:a/b:pull,push", "repository:a/b:pull", true],
  ["repository:a/b:pull,push", "repository:a/b:push,pull", true],
  ["repository:a/b:pull", "repository:a/b:pull,push", false],
  ["repository:a/b:*", "repository:a/b:delete", true],
  ["repository:a/b:pull", "repository:a/c:pull", false],
  ["registry:catalog:*", "registry:catalog:*", true],
];
for (const [have, want, covers] of cases) {
  it(`scopeCovers(${have}, ${want}) is ${covers}`, () => assert.equal(scopeCovers(have, want), covers));
}
