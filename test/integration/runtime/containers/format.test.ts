// `berth inspect -f` and `berth ps --format` on real containers, as docker's scripts use them
// (the template engine itself is tested case by case in src/cli/go-template/go-template.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeResult } from "../../../support/run.js";
import { IMAGE, useSession } from "./berth-session.js";

describe("berth inspect -f, ps --format (runc, conmon)", () => {
  const session = useSession();

  it("inspect -f prints one line per container; a bad template exits 2 and prints nothing", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "fmt-a", "fmt-b");
    const a = await s.detached(["--name", "fmt-a", "--network", "none", "--label", "com.example.k=v<1>", IMAGE, "/bin/busybox", "sleep", "120"]);
    await s.detached(["--name", "fmt-b", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const json = await s.inspect("fmt-a");

    assert.equal(await s.ok(["inspect", "-f", "{{.State.Pid}}", "fmt-a"]), `${json.State.Pid}\n`);
    assert.ok(json.State.Pid > 0);
    assert.equal(await s.ok(["inspect", "--format", "{{.Id}} {{.Name}}", "fmt-a", "fmt-b"]), `${a} /fmt-a\n${(await s.inspect("fmt-b")).Id} /fmt-b\n`);
    assert.equal(await s.ok(["inspect", "-f", '{{index .Config.Labels "com.example.k"}}|{{.Config.Labels.nope}}', "fmt-a"]), "v<1>|<no value>\n");
    assert.equal(await s.ok(["inspect", "-f", "{{json .Config.Labels}}", "fmt-a"]), '{"com.example.k":"v\\u003c1\\u003e"}\n');
    assert.equal(await s.ok(["inspect", "-f", "{{if .State.Running}}up{{else}}down{{end}}", "fmt-a"]), "up\n");
    assert.deepEqual(JSON.parse(await s.ok(["inspect", "-f", "json", "fmt-a"])), [json], "json is the default array");

    for (const bad of ["{{.State.Pid", "{{nofunc .Id}}", "{{.Name.Sub}}"]) {
      const r = await s.berth(["inspect", "-f", bad, "fmt-a"]);
      assert.equal(r.code, 2, describeResult(r));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^berth: template ".*": at 1:\d+: /, describeResult(r));
    }
  });

  it("ps --format prints docker's fields per container; table aligns them under docker's headers", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "fmt-ps");
    const id = await s.detached(["--name", "fmt-ps", "--network", "none", "--label", "tier=front", IMAGE, "/bin/busybox", "sleep", "120"]);
    const mine = (out: string): string[] => out.split("\n").filter((l) => l.includes("fmt-ps"));

    assert.deepEqual(mine(await s.ok(["ps", "--format", '{{.ID}} {{.Names}} {{.Image}} {{.State}} {{.Label "tier"}} {{.Labels}} {{.Networks}}'])),
      [`${id.slice(0, 12)} fmt-ps ${IMAGE} running front tier=front none`]);
    const full = (await s.ok(["ps", "--no-trunc", "--format", "{{.ID}}\\t{{.Command}}"])).split("\n").filter((l) => l.startsWith(id));
    assert.deepEqual(full, [`${id}\t"/bin/busybox sleep 120"`]);
    const [status] = mine(await s.ok(["ps", "--format", "{{.Names}}:{{.Status}}:{{.RunningFor}}:{{.CreatedAt}}"]));
    assert.match(status ?? "", /^fmt-ps:Up .+:.+ ago:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);

    const table = (await s.ok(["ps", "--format", "table {{.Names}}\\t{{.Label \"tier\"}}\\t{{.State}}"])).split("\n");
    assert.equal(table[0], "NAMES     TIER      STATE");
    assert.ok(table.includes("fmt-ps    front     running"), table.join("\n"));
    const line = JSON.parse(mine(await s.ok(["ps", "--format", "json"]))[0]!) as Record<string, string>;
    assert.equal(line.Names, "fmt-ps");

    for (const [format, message] of [["{{.ID", /unclosed action/], ["{{.Size}}", /\.Size: berth does not measure/], ["{{.Nope}}", /can't evaluate field Nope/]] as const) {
      const r = await s.berth(["ps", "--format", format]);
      assert.equal(r.code, 2, describeResult(r));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
    }
  });
});
