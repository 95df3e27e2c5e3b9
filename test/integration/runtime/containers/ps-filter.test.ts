// `berth ps --filter` on real containers, as `docker ps --filter` answers (the matching itself
// is tested case by case in src/runtime/container-filter.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeResult } from "../../../support/run.js";
import { IMAGE, useSession } from "./berth-session.js";

describe("berth ps --filter (runc, conmon)", () => {
  const session = useSession();

  it("a repeated key is any of its values; name is a regex; ancestor is the image; bad values exit 2", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "c1", "c10", "k9");
    const c1 = await s.detached(["--name", "c1", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const c10 = (await s.berth(["run", "--name", "c10", "--network", "none", IMAGE, "/bin/sh", "-c", "exit 4"])).code === 4 ? (await s.inspect("c10")).Id : "c10 did not exit 4";
    const k9 = (await s.berth(["run", "--name", "k9", "--network", "none", IMAGE, "/bin/sh", "-c", "exit 137"])).code === 137 ? (await s.inspect("k9")).Id : "k9 did not exit 137";
    const ids = async (...args: string[]): Promise<string[]> => (await s.ok(["ps", "-q", "--no-trunc", ...args])).split("\n").filter((l) => l !== "").sort();

    assert.deepEqual(await ids("-a", "-f", "status=exited", "-f", "status=running"), [c1, c10, k9].sort());
    assert.deepEqual(await ids("-a", "-f", "exited=4", "-f", "exited=137"), [c10, k9].sort());
    assert.deepEqual(await ids("-a", "-f", "name=c1", "-f", "name=k9"), [c1, c10, k9].sort());
    assert.deepEqual(await ids("-a", "-f", "name=^c1$"), [c1]);
    assert.deepEqual(await ids("-a", "-f", "name=^c1", "-f", "status=exited"), [c10]);
    assert.deepEqual(await ids("-a", "-f", `ancestor=${IMAGE}`, "-f", "exited=137"), [k9]);
    assert.deepEqual(await ids("-a", "-f", "ancestor=busybox"), []);
    // Without -a, as docker's: other keys look at running containers only; status looks at all.
    assert.deepEqual(await ids("-f", "name=^c1"), [c1]);
    assert.deepEqual(await ids("-f", "exited=4"), []);
    assert.deepEqual(await ids("-f", "status=exited"), [c10, k9].sort());

    for (const [filter, message] of [
      ["status=bogus", /^berth: --filter status=bogus: unknown status bogus\nhint: status is one of created, restarting, running, removing, paused, exited, dead\n$/],
      ["exited=abc", /^berth: --filter exited=abc: the exit code is not an integer\n/],
      ["health=bogus", /^berth: --filter health=bogus: unknown health bogus\nhint: health is one of starting, healthy, unhealthy, none\n$/],
      ["name=[", /^berth: --filter name=\[: not a regular expression/],
    ] as const) {
      const r = await s.berth(["ps", "-a", "-f", filter]);
      assert.equal(r.code, 2, describeResult(r));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
    }
  });
});
