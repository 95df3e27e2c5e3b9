import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HealthConfig } from "../../runtime/index.js";
import { readyBoundMs } from "./replica-gate.js";

const health = (o: Partial<HealthConfig>): HealthConfig => ({ test: ["CMD", "true"], intervalMs: 1000, timeoutMs: 2000, startPeriodMs: 0, retries: 3, onFailure: "none", ...o });

describe("readyBoundMs: how long a new replica may take to become ready", () => {
  const cases: { name: string; health: HealthConfig | undefined; margin: number; want: number }[] = [
    { name: "no health check: the margin alone (it only has to run)", health: undefined, margin: 10_000, want: 10_000 },
    { name: "interval × (retries + 1) + timeout + margin", health: health({}), margin: 10_000, want: 1000 * 4 + 2000 + 10_000 },
    { name: "the start period comes first", health: health({ startPeriodMs: 30_000 }), margin: 0, want: 30_000 + 4000 + 2000 },
    { name: "docker's defaults (30 s interval and timeout, 3 retries)", health: health({ intervalMs: 30_000, timeoutMs: 30_000 }), margin: 10_000, want: 160_000 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(readyBoundMs(c.health, c.margin), c.want));
});
