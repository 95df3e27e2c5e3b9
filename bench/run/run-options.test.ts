import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRunBenchOptions, type RunBenchOptions } from "./run-options.js";

const cases: { name: string; args: string[]; want?: Partial<RunBenchOptions>; expectErr?: RegExp }[] = [
  { name: "defaults", args: [], want: { runs: 20, warmup: 2, containers: 50, rounds: 1, parts: ["oneshot", "detached", "breakdown"], berthDaemon: true } },
  { name: "without berth's daemon", args: ["--berth-daemon", "off"], want: { berthDaemon: false } },
  { name: "daemon neither on nor off", args: ["--berth-daemon", "maybe"], expectErr: /--berth-daemon: "maybe" is not on or off/ },
  { name: "all flags", args: ["--runs", "5", "--warmup", "0", "--containers", "3", "--rounds", "2"], want: { runs: 5, warmup: 0, containers: 3, rounds: 2 } },
  { name: "parts in run order, duplicates dropped", args: ["--parts", "breakdown, oneshot,breakdown"], want: { parts: ["oneshot", "breakdown"] } },
  { name: "too few runs for a p90", args: ["--runs", "2"], expectErr: /--runs: 2 is outside 3\.\.1000/ },
  { name: "fractional runs", args: ["--runs", "1.5"], expectErr: /--runs: "1.5" is not a whole number/ },
  { name: "negative warmup", args: ["--warmup=-1"], expectErr: /--warmup: "-1"/ },
  { name: "hex containers", args: ["--containers", "0x10"], expectErr: /--containers: "0x10"/ },
  { name: "zero containers", args: ["--containers", "0"], expectErr: /--containers: 0 is outside 1\.\.500/ },
  { name: "a fleet too big to clean up in time", args: ["--containers", "100000"], expectErr: /--containers: 100000 is outside/ },
  { name: "huge number", args: ["--runs", "99999999999999999999"], expectErr: /--runs: "99999999999999999999" is not a whole number/ },
  { name: "unknown part", args: ["--parts", "oneshot,../../etc"], expectErr: /--parts: "..\/..\/etc" is not one of oneshot, detached, breakdown/ },
  { name: "empty part list", args: ["--parts", ""], expectErr: /--parts: "" is not one of/ },
  { name: "unknown flag", args: ["--only", "berth"], expectErr: /Unknown option '--only'/ },
  { name: "positional", args: ["extra"], expectErr: /Unexpected argument 'extra'/ },
];

for (const c of cases) {
  test(`parseRunBenchOptions: ${c.name}`, () => {
    if (c.expectErr) {
      assert.throws(() => parseRunBenchOptions(c.args), c.expectErr);
      return;
    }
    const got = parseRunBenchOptions(c.args);
    for (const [k, v] of Object.entries(c.want ?? {})) assert.deepEqual(got[k as keyof RunBenchOptions], v, k);
  });
}
