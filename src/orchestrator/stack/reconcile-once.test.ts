import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RestartPolicy } from "../../runtime/index.js";
import { observed } from "./observed.test-support.js";
import { BACKOFF_RESET_MS, backoffLeftMs, replaceReason } from "./reconcile-once.js";
import { LABEL_REPLACEMENTS } from "./replica-lifecycle.js";

const policy = (name: RestartPolicy["name"], maximumRetryCount = 0): RestartPolicy => ({ name, maximumRetryCount });

describe("replaceReason: what reconcileOnce does with one replica", () => {
  const cases: { name: string; policy: RestartPolicy; replica: Parameters<typeof observed>[0] | undefined; want: string | undefined }[] = [
    { name: "gone: replaced whatever the policy", policy: policy("no"), replica: undefined, want: "it is gone" },
    { name: "running and healthy: left", policy: policy("always"), replica: { health: "healthy" }, want: undefined },
    { name: "running without a check: left", policy: policy("always"), replica: {}, want: undefined },
    { name: "unhealthy: replaced, even with restart no (docker would not)", policy: policy("no"), replica: { health: "unhealthy" }, want: "it is unhealthy" },
    { name: "created, never started: started", policy: policy("no"), replica: { status: "created" }, want: "start" },
    { name: "exited, restart no: left", policy: policy("no"), replica: { status: "exited", exitCode: 137 }, want: undefined },
    { name: "exited, always: replaced", policy: policy("always"), replica: { status: "exited", exitCode: 0 }, want: "it exited with code 0" },
    { name: "exited by a user's stop, unless-stopped: left", policy: policy("unless-stopped"), replica: { status: "exited", exitCode: 143, stoppedByUser: true }, want: undefined },
    { name: "exited by a user's stop, always: left (docker leaves it stopped too)", policy: policy("always"), replica: { status: "exited", exitCode: 143, stoppedByUser: true }, want: undefined },
    { name: "exited, unless-stopped: replaced", policy: policy("unless-stopped"), replica: { status: "exited", exitCode: 137 }, want: "it exited with code 137" },
    { name: "exited 0, on-failure: left", policy: policy("on-failure"), replica: { status: "exited", exitCode: 0 }, want: undefined },
    { name: "exited by a user's stop (143), on-failure: left", policy: policy("on-failure"), replica: { status: "exited", exitCode: 143, stoppedByUser: true }, want: undefined },
    { name: "exited by a user's kill (137), on-failure:3: left", policy: policy("on-failure", 3), replica: { status: "exited", exitCode: 137, stoppedByUser: true }, want: undefined },
    { name: "exited 1, on-failure: replaced", policy: policy("on-failure"), replica: { status: "exited", exitCode: 1 }, want: "it exited with code 1" },
    { name: "exited 1, on-failure:2 after 2 replacements: left", policy: policy("on-failure", 2), replica: { status: "exited", exitCode: 1, labels: { [LABEL_REPLACEMENTS]: "2" } }, want: undefined },
    { name: "exited 1, on-failure:2 after 1 replacement: replaced", policy: policy("on-failure", 2), replica: { status: "exited", exitCode: 1, labels: { [LABEL_REPLACEMENTS]: "1" } }, want: "it exited with code 1" },
    { name: "restarting: left to the runtime", policy: policy("always"), replica: { status: "restarting" }, want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(replaceReason(c.policy, c.replica === undefined ? undefined : observed(c.replica)), c.want));
});

describe("backoffLeftMs: quick replacements of one slot back off, a crash after a good run does not", () => {
  // observed(): created 00:00:00, exited 00:00:01.
  const T0 = Date.parse("2024-01-01T00:00:00Z");
  const exited = (n: number) => observed({ status: "exited", exitCode: 1, ...(n > 0 && { labels: { [LABEL_REPLACEMENTS]: String(n) } }) });
  it("a replica never replaced before: at once", () => assert.equal(backoffLeftMs(exited(0), T0 + 1000), 0));
  it("doubles from 0.5 s with each quick replacement, counted from the exit", () => {
    assert.equal(backoffLeftMs(exited(1), T0 + 1000), 500);
    assert.equal(backoffLeftMs(exited(2), T0 + 1000), 1000);
    assert.equal(backoffLeftMs(exited(4), T0 + 1000), 4000);
    assert.equal(backoffLeftMs(exited(4), T0 + 3000), 2000);
    assert.equal(backoffLeftMs(exited(4), T0 + 9000), 0);
  });
  it("caps at a minute", () => assert.equal(backoffLeftMs(exited(30), T0 + 1000), BACKOFF_RESET_MS));
  it("a replica that lived a minute starts over: at once", () => {
    const r = exited(5);
    const lived = { ...r, summary: { ...r.summary, state: { ...r.summary.state, finishedAt: "2024-01-01T00:01:30Z" } } };
    assert.equal(backoffLeftMs(lived, Date.parse("2024-01-01T00:01:31Z")), 0);
  });
  it("an unhealthy replica still running counts from when it was made", () => {
    const r = observed({ health: "unhealthy", labels: { [LABEL_REPLACEMENTS]: "2" } });
    assert.equal(backoffLeftMs(r, T0 + 400), 600);
  });
});
