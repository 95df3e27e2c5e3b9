import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBuildBenchOptions, type BuildBenchOptions } from "./build-options.js";

const cases: { name: string; args: string[]; want?: Partial<BuildBenchOptions>; expectErr?: RegExp }[] = [
  { name: "defaults", args: [], want: { runs: 3, parts: ["node", "dockerfile"], refreshBase: false, berthDaemon: true } },
  { name: "all flags", args: ["--runs", "5", "--parts", "node", "--refresh-base", "--berth-daemon", "off"], want: { runs: 5, parts: ["node"], refreshBase: true, berthDaemon: false } },
  { name: "daemon on", args: ["--berth-daemon=on"], want: { berthDaemon: true } },
  { name: "daemon neither on nor off", args: ["--berth-daemon", "yes"], expectErr: /--berth-daemon: "yes" is not on or off/ },
  { name: "one run is allowed", args: ["--runs=1"], want: { runs: 1 } },
  { name: "parts in run order, duplicates dropped", args: ["--parts", "dockerfile, node,dockerfile"], want: { parts: ["node", "dockerfile"] } },
  { name: "zero runs", args: ["--runs", "0"], expectErr: /--runs: 0 is outside 1\.\.20/ },
  { name: "too many runs to finish in an afternoon", args: ["--runs", "21"], expectErr: /--runs: 21 is outside 1\.\.20/ },
  { name: "fractional runs", args: ["--runs", "2.5"], expectErr: /--runs: "2.5" is not a whole number/ },
  { name: "negative runs", args: ["--runs=-3"], expectErr: /--runs: "-3" is not a whole number/ },
  { name: "exponent", args: ["--runs", "1e1"], expectErr: /--runs: "1e1" is not a whole number/ },
  { name: "huge number", args: ["--runs", "99999999999999999999"], expectErr: /--runs: "99999999999999999999" is not a whole number/ },
  { name: "unknown part", args: ["--parts", "node,../../etc"], expectErr: /--parts: "..\/..\/etc" is not one of node, dockerfile/ },
  { name: "empty part list", args: ["--parts", ""], expectErr: /--parts: "" is not one of/ },
  { name: "value for a boolean flag", args: ["--refresh-base=yes"], expectErr: /--refresh-base/ },
  { name: "unknown flag", args: ["--only", "berth"], expectErr: /Unknown option '--only'/ },
  { name: "positional", args: ["extra"], expectErr: /Unexpected argument 'extra'/ },
];

for (const c of cases) {
  test(`parseBuildBenchOptions: ${c.name}`, () => {
    if (c.expectErr) {
      assert.throws(() => parseBuildBenchOptions(c.args), c.expectErr);
      return;
    }
    const got = parseBuildBenchOptions(c.args);
    for (const [k, v] of Object.entries(c.want ?? {})) assert.deepEqual(got[k as keyof BuildBenchOptions], v, k);
  });
}
