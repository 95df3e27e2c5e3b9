import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compareDebianVersions, parseDebianVersion, satisfiesRelation, type VersionRelation } from "./debian-version.js";

// Cases from dpkg's lib/dpkg/t/t-version.c and Debian Policy 5.6.12.
const ORDERED: readonly [string, "<" | "=" | ">", string][] = [
  ["1.0", "=", "1.0"],
  ["0:1.1-1", "=", "1.1-1"],
  ["1.0-0", "=", "1.0"],
  ["001", "=", "1"],
  ["1:1", ">", "0:1"],
  ["2:1", ">", "1:1"],
  ["1:0.1", ">", "9999"],
  ["2", ">", "1"],
  ["0-2", ">", "0-1"],
  ["0-1~", "<", "0-1"],
  ["1.0", "<", "2.0"],
  ["1.2.3", "<", "1.2.10"],
  ["2.30-1", ">", "2.4-1"],
  ["1.0~rc1", "<", "1.0"],
  ["1.0~rc1", "<", "1.0~rc2"],
  ["1.0~~", "<", "1.0~~a"],
  ["1.0~~a", "<", "1.0~"],
  ["1.0~", "<", "1.0"],
  ["1.0", "<", "1.0a"],
  ["1.0a", "<", "1.0.1"],
  ["1.0+dfsg", ">", "1.0"],
  ["1.0+b1", ">", "1.0"],
  ["1.0-1+deb12u1", ">", "1.0-1"],
  ["1.0-1+deb12u2", ">", "1.0-1+deb12u1"],
  ["3.0.20-1~deb12u2", ">", "3.0.9"],
  ["1:12.2.0-14", ">", "12.2.0-14"],
  ["1.2-3-4", ">", "1.2-3"],
];

describe("compareDebianVersions", () => {
  for (const [a, rel, b] of ORDERED) {
    it(`${a} ${rel} ${b}`, (t) => {
      const c = Math.sign(compareDebianVersions(a, b));
      assert.equal(c, rel === "<" ? -1 : rel === "=" ? 0 : 1);
      assert.equal(Math.sign(compareDebianVersions(b, a)), c === 0 ? 0 : -c, "antisymmetric");
      t.diagnostic(`${a} vs ${b}: ${c}`);
    });
  }
});

describe("parseDebianVersion", () => {
  const cases: { input: string; want?: ReturnType<typeof parseDebianVersion>; expectErr?: RegExp }[] = [
    { input: "1:2.3-4", want: { epoch: 1, upstream: "2.3", revision: "4" } },
    { input: "2.3", want: { epoch: 0, upstream: "2.3", revision: "" } },
    { input: "1:2-3-4", want: { epoch: 1, upstream: "2-3", revision: "4" } },
    { input: "", expectErr: /empty/ },
    { input: "1 2", expectErr: /blanks/ },
    { input: "a:1", expectErr: /epoch "a" is not a number/ },
    { input: "x1.0", expectErr: /start with a digit/ },
    { input: "1:-3", expectErr: /start with a digit/ },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.input), () => {
      if (c.expectErr) assert.throws(() => parseDebianVersion(c.input), c.expectErr);
      else assert.deepEqual(parseDebianVersion(c.input), c.want);
    });
  }
});

describe("satisfiesRelation", () => {
  const cases: [string, VersionRelation, string, boolean][] = [
    ["2.36-9", ">=", "2.34", true],
    ["2.33", ">=", "2.34", false],
    ["1.0", "<<", "1.0", false],
    ["1.0~1", "<<", "1.0", true],
    ["1.0", "<=", "1.0", true],
    ["1.0", "=", "1.0-0", true],
    ["1.1", ">>", "1.0", true],
    ["1.0", ">>", "1.0", false],
  ];
  for (const [v, rel, target, want] of cases) {
    it(`${v} ${rel} ${target} is ${want}`, () => assert.equal(satisfiesRelation(v, rel, target), want));
  }
});
