// A `berth run` announced to the daemon (api/run-announcements.ts): bin/berth.cjs, run as a shell
// runs it, announces the run before Node starts and the daemon makes the container meanwhile. With
// real runc and conmon: the container is there before the CLI's code runs, and runs once it asks;
// one made for an announcement whose CLI dies or asks for something else is taken apart, nothing left.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { daemonPaths, FRAME_MESSAGE, readPidFile, requestRun } from "../../../src/api/index.js";
import { identityOf, type ProcessIdentity } from "../../../src/runtime/index.js";
import { describeResult, run, type RunResult } from "../../support/run.js";
import { waitFor } from "../../support/wait-for.js";
import { assertClean, RUN_CLI, startDaemon, useRuntimeFixture, type RuntimeFixture } from "../runtime/runtime-fixture.js";

const IMAGE = "localhost/busybox:t1";

const berth = (fx: RuntimeFixture, args: readonly string[]): Promise<RunResult> => run(process.execPath, [RUN_CLI, "--root", fx.root, ...args], { timeoutMs: 60_000 });
const names = async (fx: RuntimeFixture): Promise<string> => (await berth(fx, ["ps", "-a", "--format", "{{.Names}} {{.Status}}"])).stdout;

describe("berth run announced to the daemon (runc, as root)", () => {
  const fixture = useRuntimeFixture({ daemon: true });

  /** A process whose command line ends as a launcher's does (`… bin/berth.cjs ARGS`), standing in for a CLI that never asks. */
  async function announcer(fx: RuntimeFixture, args: readonly string[]): Promise<{ child: ChildProcess; caller: ProcessIdentity }> {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", "--", RUN_CLI, "--root", fx.root, "run", ...args], { stdio: "ignore" });
    const caller = await waitFor("the announcer", async () => (child.pid === undefined ? undefined : identityOf(child.pid)), { intervalMs: 10 });
    await writeFile(daemonPaths(fx.root).runFifo, `${caller.pid} ${args.length + 3}\n`);
    return { child, caller };
  }

  it("makes the container before the CLI's code runs, and runs it when the CLI asks", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    // Node runs this before bin/berth.cjs's own code: what `ps -a` shows then, the daemon made on the announcement alone.
    const seen = join(fx.tmp.path, "seen-before-cli.txt");
    const preload = join(fx.tmp.path, "look-first.cjs");
    await writeFile(preload, `
const { execFileSync } = require("node:child_process");
const { writeFileSync } = require("node:fs");
const env = { ...process.env }; delete env.NODE_OPTIONS; delete env.BERTH_ANNOUNCED;
let out = "";
for (let i = 0; i < 100 && !out.includes("announced-web"); i++) {
  out = execFileSync(process.execPath, [${JSON.stringify(RUN_CLI)}, "--root", ${JSON.stringify(fx.root)}, "ps", "-a", "--format", "{{.Names}} {{.Status}}"], { env, encoding: "utf8" });
  if (!out.includes("announced-web")) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
}
writeFileSync(${JSON.stringify(seen)}, out);
`);
    const r = await run(RUN_CLI, ["--root", fx.root, "run", "--rm", "--name", "announced-web", "--network", "none", "-e", "FROM_CLI", IMAGE, "/bin/sh", "-c", "echo \"$FROM_CLI\"; exit 4"], {
      timeoutMs: 60_000, env: { ...process.env, NODE_OPTIONS: `--require ${preload}`, FROM_CLI: "the cli's" },
    });
    assert.equal(r.code, 4, describeResult(r));
    assert.equal(r.stdout, "the cli's\n");
    assert.match(await readFile(seen, "utf8"), /^announced-web Created$/m, "the daemon had not made the container before the CLI's code ran");
    await assertClean(fx);
  });

  it("leaves the variables the user exported as they were: the launcher's shell part keeps its own apart", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    // One-letter names, as the shell part's own were (its root, word, flag, argument, FIFO).
    const mine = { r: "user r", w: "user w", v: "user v", a: "user a", f: "user f" };
    const r = await run(RUN_CLI, ["--root", fx.root, "run", "--rm", "--network", "none", ...Object.keys(mine).flatMap((n) => ["-e", n]), IMAGE, "/bin/sh", "-c", "echo \"$r|$w|$v|$a|$f\""], {
      timeoutMs: 60_000, env: { ...process.env, ...mine },
    });
    assert.equal(r.code, 0, describeResult(r));
    assert.equal(r.stdout, "user r|user w|user v|user a|user f\n");
    await assertClean(fx);
  });

  it("passes on a variable whose name is not a shell name, as docker does: the launcher's shell keeps the environment as given", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    // The container's init is `cat`: its own environment, as runc gave it, whatever its names.
    const r = await run(RUN_CLI, ["--root", fx.root, "run", "--rm", "--network", "none", "-e", "spring.profiles.active", "-e", "X-Y", IMAGE, "/bin/cat", "/proc/self/environ"], {
      timeoutMs: 60_000, env: { ...process.env, "spring.profiles.active": "dev", "X-Y": "z" },
    });
    assert.equal(r.code, 0, describeResult(r));
    const env = r.stdout.split("\0");
    assert.ok(env.includes("spring.profiles.active=dev") && env.includes("X-Y=z"), env.join(" "));
    await assertClean(fx);
  });

  it("says `no such container` to a start that waited for a container made ahead which was then undone", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { child } = await announcer(fx, ["--rm", "--name", "started-meanwhile", "--network", "none", IMAGE, "/bin/sh", "-c", "exit 0"]);
    await waitFor("the container made ahead", async () => /^started-meanwhile Created$/m.test(await names(fx)));
    // It waits for the container's lock, which the held start has; the start is undone once its CLI is gone.
    const start = berth(fx, ["start", "started-meanwhile"]);
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGKILL");
    const r = await start;
    assert.notEqual(r.code, 0, describeResult(r));
    assert.match(r.stderr, /no such container: started-meanwhile/, describeResult(r));
    assert.doesNotMatch(r.stderr, /ENOENT/, describeResult(r));
    await assertClean(fx);
  });

  it("takes apart a container made for a CLI that dies before it asks", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { child } = await announcer(fx, ["--rm", "--name", "never-asked", "--network", "none", IMAGE, "/bin/sh", "-c", "echo ran > /ran"]);
    await waitFor("the container made ahead", async () => /^never-asked Created$/m.test(await names(fx)));
    child.kill("SIGKILL");
    await waitFor("the container taken apart", async () => !(await names(fx)).includes("never-asked"), { timeoutMs: 10_000 });
    await assertClean(fx);
  });

  it("removes the volumes a container made ahead made, named ones too, when its CLI dies before it asks; a volume there before stays", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const made = await berth(fx, ["volume", "create", "there-before"]);
    assert.equal(made.code, 0, describeResult(made));
    try {
      const { child } = await announcer(fx, ["--rm", "--name", "never-asked-vol", "--network", "none", "-v", "made-ahead:/data", "-v", "there-before:/kept", "-v", "/anon", IMAGE, "/bin/sh", "-c", "exit 0"]);
      await waitFor("the container made ahead", async () => /^never-asked-vol Created$/m.test(await names(fx)));
      child.kill("SIGKILL");
      await waitFor("the container taken apart", async () => !(await names(fx)).includes("never-asked-vol"), { timeoutMs: 10_000 });
      // As if the run had not been announced: its CLI died before it asked for anything.
      assert.equal((await berth(fx, ["volume", "ls", "-q"])).stdout, "there-before\n");
    } finally {
      await berth(fx, ["volume", "rm", "-f", "there-before", "made-ahead"]);
    }
    await assertClean(fx);
  });

  it("removes at once a container made ahead that `rm -f` names while its CLI has not asked yet; the CLI's request then runs as usual", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { child, caller } = await announcer(fx, ["--rm", "--name", "removed-ahead", "--network", "none", "-v", "made-for-removed:/data", IMAGE, "/bin/sh", "-c", "exit 0"]);
    try {
      await waitFor("the container made ahead", async () => /^removed-ahead Created$/m.test(await names(fx)));
      const id = (await berth(fx, ["ps", "-aq", "--no-trunc"])).stdout.trim();
      await waitFor("the start held", async () => access(join(fx.root, "runc", id)).then(() => true, () => false));
      const started = Date.now();
      const removed = await berth(fx, ["rm", "-f", "removed-ahead"]);
      assert.equal(removed.code, 0, describeResult(removed));
      // Not the claim's 10 s: the daemon lets go of it when asked.
      assert.ok(Date.now() - started < 5_000, `rm -f took ${Date.now() - started} ms`);
      assert.equal(await names(fx), "");
      assert.equal((await berth(fx, ["volume", "ls", "-q"])).stdout, "", "the volume the start made is left");
      const messages: unknown[] = [];
      await requestRun(daemonPaths(fx.root).runSocket, {
        detach: false, caller,
        run: { image: IMAGE, options: { cmd: ["/bin/sh", "-c", "exit 0"], name: "removed-ahead", network: "none", autoRemove: true, mounts: [] }, attached: caller },
      }, (f) => void (f.kind === FRAME_MESSAGE && messages.push(JSON.parse(f.payload.toString("utf8")))));
      assert.deepEqual(messages.at(-1), { exitCode: 0 }, JSON.stringify(messages));
    } finally {
      child.kill("SIGKILL");
      await berth(fx, ["volume", "rm", "-f", "made-for-removed"]);
    }
    await assertClean(fx);
  });

  /** A container made ahead for a CLI that does not ask (yet), and the daemon holding it killed: its id and network namespace. */
  async function heldWhenDaemonKilled(fx: RuntimeFixture, args: readonly string[]): Promise<{ child: ChildProcess; id: string; netns: string }> {
    const { child } = await announcer(fx, args);
    await waitFor("the container made ahead", async () => / Created$/m.test(await names(fx)));
    const id = (await berth(fx, ["ps", "-aq", "--no-trunc"])).stdout.trim();
    // Killed once the start has set up the network and waits for the CLI (runc made the container).
    await waitFor("the start held", async () => access(join(fx.root, "runc", id)).then(() => true, () => false));
    const netns = `/run/netns/berth-${id.slice(0, 12)}`;
    await access(netns);
    const daemon = await readPidFile(daemonPaths(fx.root).pidFile);
    assert.ok(daemon !== undefined, "no daemon pid file");
    process.kill(daemon.pid, "SIGKILL");
    await waitFor("the daemon gone", async () => {
      try {
        process.kill(daemon.pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    return { child, id, netns };
  }

  it("leaves nothing of a container made ahead when the daemon is killed while it waits: ps takes it apart, its network too", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { child, id, netns } = await heldWhenDaemonKilled(fx, ["--rm", "--name", "held-when-killed", "-p", "127.0.0.1:18999:80", IMAGE, "/bin/sh", "-c", "exit 0"]);
    try {
      // Nobody asked for it, and nobody holds it now: the next look at the containers removes it.
      assert.equal(await names(fx), "");
      await assert.rejects(access(netns), "its network namespace is left");
      const bridge = await readFile(join(fx.root, "networks", "bridge.json"), "utf8");
      assert.ok(!bridge.includes(id), "the bridge network still lists it (its address, its port)");
      // Its name and port are free again.
      const again = await run(RUN_CLI, ["--root", fx.root, "run", "--rm", "--name", "held-when-killed", "-p", "127.0.0.1:18999:80", IMAGE, "/bin/sh", "-c", "exit 3"], { timeoutMs: 60_000 });
      assert.equal(again.code, 3, describeResult(again));
    } finally {
      child.kill("SIGKILL");
      await startDaemon(fx.root);
    }
    await assertClean(fx);
  });

  it("starts by hand a container made ahead whose daemon was killed while it waited, its network set up anew", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { child, id, netns } = await heldWhenDaemonKilled(fx, ["--name", "held-then-started", "-p", "127.0.0.1:18998:80", IMAGE, "/bin/sh", "-c", "echo started by hand"]);
    try {
      const started = await berth(fx, ["start", "held-then-started"]);
      assert.equal(started.code, 0, describeResult(started));
      assert.equal((await berth(fx, ["wait", "held-then-started"])).stdout, "0\n");
      assert.equal((await berth(fx, ["logs", "held-then-started"])).stdout, "started by hand\n");
      const removed = await berth(fx, ["rm", "held-then-started"]);
      assert.equal(removed.code, 0, describeResult(removed));
      await assert.rejects(access(netns), "its network namespace is left");
      assert.ok(!(await readFile(join(fx.root, "networks", "bridge.json"), "utf8")).includes(id), "the bridge network still lists it");
    } finally {
      child.kill("SIGKILL");
      await startDaemon(fx.root);
    }
    await assertClean(fx);
  });

  it("runs what the CLI asks, not what was announced, and takes the announced container apart", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { child, caller } = await announcer(fx, ["--rm", "--name", "announced-a", "--network", "none", IMAGE, "/bin/sh", "-c", "exit 0"]);
    try {
      await waitFor("the container made ahead", async () => /^announced-a Created$/m.test(await names(fx)));
      const messages: unknown[] = [];
      await requestRun(daemonPaths(fx.root).runSocket, {
        detach: false, caller,
        run: { image: IMAGE, options: { cmd: ["/bin/sh", "-c", "exit 7"], name: "asked-b", network: "none", autoRemove: true }, attached: caller },
      }, (f) => void (f.kind === FRAME_MESSAGE && messages.push(JSON.parse(f.payload.toString("utf8")))));
      assert.deepEqual(messages.at(-1), { exitCode: 7 }, JSON.stringify(messages));
      assert.equal(await names(fx), "");
    } finally {
      child.kill("SIGKILL");
    }
    await assertClean(fx);
  });
});
