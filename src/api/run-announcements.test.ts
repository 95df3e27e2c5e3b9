// The daemon's announced runs (run-announcements.ts) against a stand-in runtime that records each
// run and waits at its gate as the real start does (after runc made the container, before its
// process goes), and a real process as the announcing CLI: what is read of it from /proc, and when
// the container made for it is let go or undone.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { lstat, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, afterEach, before, describe, it } from "node:test";
import { identityOf, type ContainerRecord, type CreateContainerOptions, type ProcessIdentity, type StartOptions } from "../runtime/index.js";
import type { RunRequest } from "./api-requests.js";
import { canonicalRequest, readProcess, RunAnnouncements, type AnnouncedRun, type AnnouncedRunRuntime, type Announcement } from "./run-announcements.js";

const ROOT = "/var/lib/berth-test-root";

interface FakeRun {
  readonly image: string;
  readonly opts: CreateContainerOptions;
  readonly attached: ProcessIdentity | undefined;
  gate: "waiting" | "passed" | "refused";
}

/** A runtime whose runs wait at their gate, as a real start waits once runc has made the container. */
class FakeRuntime {
  readonly ctx = { root: ROOT };
  readonly runs: FakeRun[] = [];
  /** How long undoing a start takes (a real one: runc delete, unmount, the record). */
  undoMs = 0;
  async run(image: string, opts: CreateContainerOptions = {}, start: StartOptions = {}): Promise<{ record: ContainerRecord }> {
    const r: FakeRun = { image, opts, attached: start.attached, gate: "waiting" };
    this.runs.push(r);
    try {
      await start.gate?.();
      r.gate = "passed";
    } catch (e) {
      await sleep(this.undoMs);
      r.gate = "refused";
      throw e;
    }
    return { record: { id: "c".repeat(64) } as ContainerRecord };
  }
}

/** `run [--name N] IMAGE CMD`, read as a stand-in for the CLI's reading. */
async function reader(a: Announcement): Promise<AnnouncedRun | undefined> {
  const args = [...a.args];
  if (args.shift() !== "run") return undefined;
  const root = args[0] === "--root" ? (args.splice(0, 2)[1] ?? "") : ROOT;
  const name = args[0] === "--name" ? args.splice(0, 2)[1] : undefined;
  const [image, ...cmd] = args;
  if (image === undefined) return undefined;
  return { root, detach: false, image, options: { cmd, ...(name !== undefined && { name }), env: [`FROM_CLI=${a.env.FROM_CLI ?? ""}`, `CWD=${a.cwd}`] } };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("RunAnnouncements", () => {
  let dir = "";
  let fifo = "";
  let runtime: FakeRuntime;
  let announcements: RunAnnouncements;
  const children: ChildProcess[] = [];

  /** A process whose command line ends in `args` (as the launcher's does), in `dir`, with FROM_CLI set; and its identity. */
  async function cli(args: readonly string[]): Promise<{ child: ChildProcess; caller: ProcessIdentity }> {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)", "--", "/usr/bin/berth", ...args], { cwd: dir, env: { ...process.env, FROM_CLI: "yes" }, stdio: "ignore" });
    children.push(child);
    const caller = await until("the process", () => (child.pid === undefined ? undefined : child.pid));
    const id = await identityOf(caller);
    assert.ok(id !== undefined);
    return { child, caller: id };
  }
  const announce = (caller: ProcessIdentity, argc: number): Promise<void> => writeFile(fifo, `${caller.pid} ${argc}\n`);
  const request = (image: string, cmd: string[], caller: ProcessIdentity, name?: string): RunRequest => ({
    image, options: { cmd, ...(name !== undefined && { name }), env: ["FROM_CLI=yes", `CWD=${dir}`] }, attached: caller,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-announce-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill("SIGKILL");
    await announcements?.close();
  });
  const listen = async (read = reader, claimWithinMs?: number): Promise<void> => {
    runtime = new FakeRuntime();
    fifo = join(dir, "run.fifo");
    announcements = await RunAnnouncements.listen(fifo, runtime as unknown as AnnouncedRunRuntime, read, { ...(claimWithinMs !== undefined && { claimWithinMs }) });
  };

  it("makes the container while the CLI starts, read with the CLI's environment and directory, and lets it go for the same request", async () => {
    await listen();
    assert.ok((await lstat(fifo)).isFIFO());
    const { caller } = await cli(["run", "--name", "web", "img", "true"]);
    await announce(caller, 5);
    const made = await until("the run made ahead", () => runtime.runs[0]);
    assert.equal(made.image, "img");
    assert.deepEqual(made.opts, { cmd: ["true"], name: "web", env: ["FROM_CLI=yes", `CWD=${dir}`], pull: "never" });
    assert.deepEqual(made.attached, caller);
    await sleep(50);
    assert.equal(made.gate, "waiting", "the container's process went before its CLI asked");
    const claimed = await announcements.claim(caller, false, request("img", ["true"], caller, "web"));
    assert.ok(claimed !== undefined && "record" in claimed);
    assert.equal(made.gate, "passed");
    assert.equal(runtime.runs.length, 1);
  });

  it("undoes the container when the request differs from the announcement", async () => {
    await listen();
    const { caller } = await cli(["run", "img", "true"]);
    await announce(caller, 3);
    const made = await until("the run made ahead", () => runtime.runs[0]);
    assert.equal(await announcements.claim(caller, false, request("img", ["false"], caller)), undefined);
    assert.equal(made.gate, "refused");
    // Detached where the announcement was not: another request too.
    const second = await cli(["run", "img", "true"]);
    await announce(second.caller, 3);
    const again = await until("the second run made ahead", () => runtime.runs[1]);
    assert.equal(await announcements.claim(second.caller, true, request("img", ["true"], second.caller)), undefined);
    assert.equal(again.gate, "refused");
  });

  it("undoes the container when its CLI dies without asking, and a later claim finds nothing", async () => {
    await listen();
    const { child, caller } = await cli(["run", "img", "true"]);
    await announce(caller, 3);
    const made = await until("the run made ahead", () => runtime.runs[0]);
    child.kill("SIGKILL");
    await until("the start undone", () => (made.gate === "refused" ? true : undefined), 3_000);
    assert.equal(await announcements.claim(caller, false, request("img", ["true"], caller)), undefined);
  });

  it("undoes a container whose live CLI is too slow to ask, and its late request waits until it is gone", async () => {
    await listen(reader, 100);
    runtime.undoMs = 400;
    const { caller } = await cli(["run", "--name", "slow", "img", "true"]);
    await announce(caller, 5);
    const made = await until("the run made ahead", () => runtime.runs[0]);
    await sleep(250);
    // Being undone now: the request must not run (and meet the name it holds) before it is.
    assert.equal(await announcements.claim(caller, false, request("img", ["true"], caller, "slow")), undefined);
    assert.equal(made.gate, "refused", "the request went on while the container made ahead was still being undone");
  });

  it("makes nothing for a line that is not an announcement, a gone pid, too many arguments or another root", async () => {
    await listen();
    const { caller } = await cli(["run", "--root", "/elsewhere", "img", "true"]);
    await writeFile(fifo, "hello\n0 1\n-5 2\n99999999999 1\nx".repeat(3) + "\n");
    await writeFile(fifo, `${caller.pid} 500\n`);
    await writeFile(fifo, `${caller.pid} 5\n`);
    await sleep(300);
    assert.equal(runtime.runs.length, 0);
  });

  it("waits for an announcement still being read when the request comes, and makes nothing for one read after its request", async () => {
    let reading = 0;
    await listen(async (a) => {
      reading++;
      await sleep(100);
      return reader(a);
    });
    const { caller } = await cli(["run", "img", "true"]);
    // The request first: it runs as usual, and the announcement read later must not make a container in its way.
    assert.equal(await announcements.claim(caller, false, request("img", ["true"], caller)), undefined);
    await announce(caller, 3);
    await sleep(300);
    assert.equal(runtime.runs.length, 0);
    // The request while the announcement is being read: it waits for the reading.
    const second = await cli(["run", "img", "true"]);
    await announce(second.caller, 3);
    await until("the announcement being read", () => (reading === 2 ? true : undefined));
    const claimed = await announcements.claim(second.caller, false, request("img", ["true"], second.caller));
    assert.ok(claimed !== undefined && "record" in claimed, "the request ran apart from the container made for it");
    assert.equal(runtime.runs.length, 1);
  });

  it("undoes what no request claimed when it closes, and removes the FIFO", async () => {
    await listen();
    const { caller } = await cli(["run", "img", "true"]);
    await announce(caller, 3);
    const made = await until("the run made ahead", () => runtime.runs[0]);
    await announcements.close();
    assert.equal(made.gate, "refused");
    await assert.rejects(lstat(fifo), { code: "ENOENT" });
  });
});

describe("readProcess", () => {
  it("takes the last ARGC arguments, whatever runs the launcher, and the environment and directory", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)", "--", "/usr/bin/berth", "run", "a b", "", "c=d"], { cwd: "/tmp", env: { X: "1=2", EMPTY: "" }, stdio: "ignore" });
    try {
      await until("the process", () => child.pid);
      const read = await until("its /proc", () => {
        const r = readProcess(child.pid!, 4);
        return r?.args.at(-1) === "c=d" ? r : undefined;
      });
      assert.deepEqual(read.args, ["run", "a b", "", "c=d"]);
      assert.equal(read.cwd, "/tmp");
      assert.equal(read.env.X, "1=2");
      assert.equal(read.env.EMPTY, "");
      // At least an interpreter and the launcher's path come first: never taken as arguments.
      assert.equal(readProcess(child.pid!, 8), undefined);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("canonicalRequest", () => {
  it("is the same whatever the order of the keys, and differs with any value", () => {
    const a: RunRequest = { image: "img", options: { cmd: ["true"], name: "x", env: ["A=1"] } };
    const b: RunRequest = { options: { env: ["A=1"], name: "x", cmd: ["true"] }, image: "img" };
    assert.equal(canonicalRequest(false, a), canonicalRequest(false, b));
    assert.notEqual(canonicalRequest(false, a), canonicalRequest(true, a));
    assert.notEqual(canonicalRequest(false, a), canonicalRequest(false, { ...a, options: { ...a.options, env: ["A=2"] } }));
  });
});
