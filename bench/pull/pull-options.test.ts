import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePullBenchOptions, type PullBenchOptions } from "./pull-options.js";

const cases: { name: string; args: string[]; want?: Partial<PullBenchOptions>; expectErr?: RegExp }[] = [
  { name: "defaults", args: [], want: { runs: 3, mib: 300, rows: ["pull", "push", "copy"] } },
  { name: "runs and mib", args: ["--runs", "5", "--mib", "64"], want: { runs: 5, mib: 64 } },
  { name: "rows in table order, duplicates dropped", args: ["--rows", "copy, pull,copy"], want: { rows: ["pull", "copy"] } },
  { name: "zero runs", args: ["--runs", "0"], expectErr: /--runs: "0" is not a positive integer/ },
  { name: "fractional runs", args: ["--runs", "1.5"], expectErr: /--runs: "1.5"/ },
  { name: "negative runs", args: ["--runs=-2"], expectErr: /--runs: "-2"/ },
  { name: "runs in hex", args: ["--runs", "0x10"], expectErr: /--runs: "0x10"/ },
  { name: "image too small", args: ["--mib", "16"], expectErr: /--mib: 16 is outside 40\.\.4096/ },
  { name: "image too big", args: ["--mib", "100000"], expectErr: /--mib: 100000 is outside/ },
  { name: "unknown row", args: ["--rows", "pull,../../etc"], expectErr: /--rows: "..\/..\/etc" is not one of pull, push, copy/ },
  { name: "empty row list", args: ["--rows", ""], expectErr: /--rows: "" is not one of/ },
  { name: "unknown flag", args: ["--only", "berth"], expectErr: /Unknown option '--only'/ },
  { name: "positional", args: ["extra"], expectErr: /Unexpected argument 'extra'/ },
];

for (const c of cases) {
  test(`parsePullBenchOptions: ${c.name}`, () => {
    if (c.expectErr) {
      assert.throws(() => parsePullBenchOptions(c.args), c.expectErr);
      return;
    }
    const got = parsePullBenchOptions(c.args);
    for (const [k, v] of Object.entries(c.want ?? {})) assert.deepEqual(got[k as keyof PullBenchOptions], v, k);
  });
}
