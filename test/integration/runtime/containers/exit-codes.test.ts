// docker's exit codes from `berth run`, and failed runs that leave nothing behind.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { freePort } from "../../../support/free-port.js";
import { describeResult } from "../../../support/run.js";
import { exists, IMAGE, netnsPath, useSession } from "./berth-session.js";

describe("berth run: exit codes; failures leave nothing (runc, conmon)", () => {
  const session = useSession();

  it("the container's own code (0, 3) is berth's; the ended container stays until rm, --rm removes it", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "zero", "three", "gone");
    const zero = await s.berth(["run", "--name", "zero", "--network", "none", IMAGE, "/bin/sh", "-c", "echo out; echo err >&2"]);
    assert.equal(zero.code, 0, describeResult(zero));
    assert.equal(zero.stdout, "out\n");
    assert.match(zero.stderr, /^err\n/);
    const three = await s.berth(["run", "--name", "three", "--network", "none", IMAGE, "/bin/sh", "-c", "exit 3"]);
    assert.equal(three.code, 3, describeResult(three));
    assert.match((await s.psRow("three")) ?? "no row", /Exited \(3\)/);
    assert.match((await s.psRow("zero")) ?? "no row", /Exited \(0\)/);
    const inspected = await s.inspect("three");
    assert.equal(inspected.State.Status, "exited");
    assert.equal(inspected.State.ExitCode, 3);
    const gone = await s.berth(["run", "--rm", "--name", "gone", "--network", "none", IMAGE, "/bin/sh", "-c", "exit 4"]);
    assert.equal(gone.code, 4, describeResult(gone));
    assert.equal(await s.psRow("gone"), undefined, "--rm container still listed");
    assert.deepEqual(await s.ok(["rm", "zero", "three"]), "zero\nthree\n");
    await s.assertNoContainers();
  });

  it("127 for a command not found, 126 for one that cannot run; no dir, mount, name or netns left", async (t) => {
    const s = await session(t);
    if (!s) return;
    for (const [cmd, code, hint] of [["/no/such/program", 127, /hint: check the command/], ["/etc/passwd", 126, /hint: the file exists but cannot run/]] as const) {
      const r = await s.berth(["run", "--name", "failing", "--network", "none", IMAGE, cmd]);
      assert.equal(r.code, code, describeResult(r));
      assert.match(r.stderr, hint);
      const id = /container ([0-9a-f]{12})/.exec(r.stderr)?.[1];
      assert.ok(id, `the error names the container: ${r.stderr}`);
      assert.equal(await exists(netnsPath(id)), false, `netns of ${id} left`);
      await s.assertNoContainers();
    }
    // The name is free again.
    assert.equal(await s.ok(["run", "--rm", "--name", "failing", "--network", "none", IMAGE, "/bin/sh", "-c", "echo ran"]), "ran\n");
    await s.assertNoContainers();
  });

  it("125 for berth's own failures: bad flag values, hostile input, unknown images; nothing made", async (t) => {
    const s = await session(t);
    if (!s) return;
    const envFile = join(s.fx.tmp.path, "bad.env");
    await writeFile(envFile, "GOOD=1\nBAD NAME=x\n");
    const port = await freePort();
    const cases: readonly [readonly string[], RegExp][] = [
      [["--memory", "lots"], /--memory lots/],
      [["-m", "16m", "--memory-swap", "1m"], /--memory-swap 1m.*(at least|larger|minimum)/],
      [["--cpus", "0.001"], /--cpus 0.001/],
      [["--pids-limit", "many"], /--pids-limit many/],
      [["-p", "99999:80"], /99999/],
      [["--restart", "sometimes"], /--restart sometimes/],
      [["--health-cmd", "true", "--health-interval", "soon"], /--health-interval soon/],
      [["--network", "no-such-net"], /no-such-net/],
      [["-w", "relative"], /-w relative/],
      [["-v", "/tmp:/"], /-v \/tmp:\//],
      [["--env-file", envFile], /BAD NAME/],
      [["--name", "../escape"], /--name \.\.\/escape/],
      [["--cap-add", "GODMODE"], /GODMODE/],
      [["--security-opt", "seccomp=/etc/passwd"], /seccomp=\/etc\/passwd/],
      [["--mount", "type=bind,src=/tmp"], /target/],
    ];
    const images: readonly [string, RegExp][] = [[`127.0.0.1:${port}/nope:1`, /nope/], [`oci:${join(s.fx.tmp.path, "missing")}:1`, /missing/]];
    // Every case runs, and the failures are listed together.
    const wrong: string[] = [];
    for (const [args, message] of [...cases.map(([flags, m]) => [[...flags, IMAGE, "/bin/sh", "-c", "true"], m] as const), ...images.map(([i, m]) => [[i], m] as const)]) {
      const r = await s.berth(["run", "-q", "--name", "bad", ...args]);
      if (r.code !== 125 || !message.test(r.stderr)) wrong.push(`expected 125 and ${message}: ${describeResult(r)}`);
    }
    assert.deepEqual(wrong, []);
    await s.assertNoContainers();
  });

  it("a name in use: 125 naming the holder; the holder is untouched and nothing new is made", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "taken");
    const id = await s.detached(["--name", "taken", "--network", "none", IMAGE, "/bin/busybox", "sleep", "60"]);
    const r = await s.berth(["run", "--name", "taken", "--network", "none", IMAGE, "/bin/sh", "-c", "echo should-not-run"]);
    assert.equal(r.code, 125, describeResult(r));
    assert.match(r.stderr, /"taken" is already in use by container [0-9a-f]{12}/);
    assert.match(r.stderr, new RegExp(id.slice(0, 12)));
    assert.doesNotMatch(r.stdout, /should-not-run/);
    assert.deepEqual(await s.containerDirs(), [id]);
    const holder = await s.inspect("taken");
    assert.equal(holder.Id, id);
    assert.equal(holder.State.Running, true);
    await s.ok(["rm", "-f", "taken"]);
    await s.assertNoContainers();
  });
});
