import assert from "node:assert/strict";
import { test } from "node:test";
import { parseUpBenchOptions, type UpBenchOptions } from "./up-options.js";

const cases: { name: string; args: string[]; want?: Partial<UpBenchOptions>; expectErr?: RegExp }[] = [
  { name: "defaults", args: [], want: { runs: 3, warmup: 1, kills: 3, service: "catalog", timeoutMs: 120_000, parts: ["up", "recovery"] } },
  { name: "no restart delay unless asked", args: [], want: { swarmRestartDelay: undefined } },
  {
    name: "all flags",
    args: ["--runs", "5", "--warmup", "0", "--kills", "2", "--service", "cart", "--timeout", "60", "--swarm-restart-delay", "0s", "--parts", "recovery"],
    want: { runs: 5, warmup: 0, kills: 2, service: "cart", timeoutMs: 60_000, swarmRestartDelay: "0s", parts: ["recovery"] },
  },
  { name: "parts in run order, duplicates dropped", args: ["--parts", "recovery, up,recovery"], want: { parts: ["up", "recovery"] } },
  { name: "restart delay in ms", args: ["--swarm-restart-delay", "500ms"], want: { swarmRestartDelay: "500ms" } },
  { name: "restart delay too long", args: ["--swarm-restart-delay", "61s"], expectErr: /--swarm-restart-delay: "61s"/ },
  { name: "restart delay as YAML injection", args: ["--swarm-restart-delay", "5s\nprivileged: true"], expectErr: /--swarm-restart-delay/ },
  { name: "restart delay without unit", args: ["--swarm-restart-delay", "5"], expectErr: /--swarm-restart-delay: "5"/ },
  { name: "zero runs", args: ["--runs", "0"], expectErr: /--runs: 0 is outside 1\.\.20/ },
  { name: "fractional kills", args: ["--kills", "1.5"], expectErr: /--kills: "1.5" is not a whole number/ },
  { name: "negative warmup", args: ["--warmup=-1"], expectErr: /--warmup: "-1"/ },
  { name: "timeout too short to start anything", args: ["--timeout", "5"], expectErr: /--timeout: 5 is outside 10\.\.900/ },
  { name: "huge number", args: ["--runs", "99999999999999999999"], expectErr: /--runs: "99999999999999999999" is not a whole number/ },
  { name: "unknown service", args: ["--service", "../../etc"], expectErr: /--service: "..\/..\/etc" is not one of catalog, cart, gateway, redis/ },
  { name: "unknown part", args: ["--parts", "up,down"], expectErr: /--parts: "down" is not one of up, recovery/ },
  { name: "empty part list", args: ["--parts", ""], expectErr: /--parts: "" is not one of/ },
  { name: "unknown flag", args: ["--only", "berth"], expectErr: /Unknown option '--only'/ },
  { name: "positional", args: ["extra"], expectErr: /Unexpected argument 'extra'/ },
];

for (const c of cases) {
  test(`parseUpBenchOptions: ${c.name}`, () => {
    if (c.expectErr) {
      assert.throws(() => parseUpBenchOptions(c.args), c.expectErr);
      return;
    }
    const got = parseUpBenchOptions(c.args);
    for (const [k, v] of Object.entries(c.want ?? {})) assert.deepEqual(got[k as keyof UpBenchOptions], v, k);
  });
}
