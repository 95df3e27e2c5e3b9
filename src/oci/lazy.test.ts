import assert from "node:assert/strict";
import { it } from "node:test";
import { lazy } from "./lazy.js";

it("makes the value on first use, once, also when it is undefined", () => {
  let calls = 0;
  const get = lazy(() => {
    calls++;
    return calls === 1 ? undefined : "again";
  });
  assert.equal(calls, 0);
  assert.equal(get(), undefined);
  assert.equal(get(), undefined);
  assert.equal(calls, 1);
});

it("makes it again after a throw (nothing was kept)", () => {
  let calls = 0;
  const get = lazy(() => {
    if (++calls === 1) throw new Error("first");
    return calls;
  });
  assert.throws(get, /first/);
  assert.equal(get(), 2);
  assert.equal(get(), 2);
});
