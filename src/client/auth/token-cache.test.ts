import { it } from "node:test";
import assert from "node:assert/strict";
import { TokenCache } from "./token-cache.js";

const key = { realm: "https://t/token", service: "s", scopes: ["repository:a:pull", "repository:b:pull"] };

it("TokenCache: a token is found under the same scopes in any order, and not under others", () => {
  const cache = new TokenCache(() => 0);
  cache.set(key, "tok", 300);
  assert.equal(cache.get({ ...key, scopes: ["repository:b:pull", "repository:a:pull"] }), "tok");
  assert.equal(cache.get({ ...key, scopes: ["repository:a:pull"] }), undefined);
  assert.equal(cache.get({ ...key, service: "other" }), undefined);
});

it("TokenCache: a token is dropped a margin before it expires; no lifetime means 60 s", () => {
  let now = 0;
  const cache = new TokenCache(() => now);
  cache.set(key, "tok", 300);
  now = 289_000;
  assert.equal(cache.get(key), "tok");
  now = 291_000;
  assert.equal(cache.get(key), undefined, "gone 10 s before expiry");
  cache.set(key, "tok2");
  now += 49_000;
  assert.equal(cache.get(key), "tok2");
  now += 2_000;
  assert.equal(cache.get(key), undefined, "60 s less the 10 s margin");
});

it("TokenCache: delete forgets a refused token; the oldest entry goes past 256", () => {
  const cache = new TokenCache(() => 0);
  cache.set(key, "tok", 300);
  cache.delete(key);
  assert.equal(cache.get(key), undefined);
  for (let i = 0; i < 300; i++) cache.set({ ...key, scopes: [`repository:r${i}:pull`] }, `t${i}`, 300);
  assert.equal(cache.size, 256);
  assert.equal(cache.get({ ...key, scopes: ["repository:r0:pull"] }), undefined);
  assert.equal(cache.get({ ...key, scopes: ["repository:r299:pull"] }), "t299");
});
