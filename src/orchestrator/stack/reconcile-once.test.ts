import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RestartPolicy } from "../../runtime/index.js";
import { observed } from "./observed.test-support.js";
import { replaceReason } from "./reconcile-once.js";
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
    { name: "exited, unless-stopped: replaced", policy: policy("unless-stopped"), replica: { status: "exited", exitCode: 137 }, want: "it exited with code 137" },
    { name: "exited 0, on-failure: left", policy: policy("on-failure"), replica: { status: "exited", exitCode: 0 }, want: undefined },
    { name: "exited 1, on-failure: replaced", policy: policy("on-failure"), replica: { status: "exited", exitCode: 1 }, want: "it exited with code 1" },
    { name: "exited 1, on-failure:2 after 2 replacements: left", policy: policy("on-failure", 2), replica: { status: "exited", exitCode: 1, labels: { [LABEL_REPLACEMENTS]: "2" } }, want: undefined },
    { name: "exited 1, on-failure:2 after 1 replacement: replaced", policy: policy("on-failure", 2), replica: { status: "exited", exitCode: 1, labels: { [LABEL_REPLACEMENTS]: "1" } }, want: "it exited with code 1" },
    { name: "restarting: left to the runtime", policy: policy("always"), replica: { status: "restarting" }, want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(replaceReason(c.policy, c.replica === undefined ? undefined : observed(c.replica)), c.want));
});
