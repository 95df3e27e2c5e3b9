import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { RuntimeToolError } from "../errors.js";
import { ContainerNotRunningError } from "./errors.js";
import { listProcesses } from "./list-processes.js";

// Small stand-ins for runc that answer `runc ps` with what a test needs, hostile answers included.
// The real runc is driven in test/integration/runtime/cgroup/.
describe("listProcesses against scripted runc answers", () => {
  let dir = "";
  const script = async (name: string, body: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-top-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes root, ps, json and the id; reads rows from /proc; leaves out pids that are gone", async () => {
    const runc = await script("runc-ok", `printf '%s\\n' "$@" > "${dir}/args"; echo '[${process.pid},999999999,${process.pid}]'`);
    const table = await listProcesses(runc, "/run/berth-runc", "c1");
    assert.deepEqual((await readFile(join(dir, "args"), "utf8")).trim().split("\n"), ["--root", "/run/berth-runc", "ps", "--format", "json", "c1"]);
    assert.deepEqual(table.titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
    assert.equal(table.processes.length, 1, "one row per live pid, duplicates dropped");
    const [uid, pid, ppid, , stime, , time, cmd] = table.processes[0]!;
    const me = String(process.getuid?.());
    const name = (await readFile("/etc/passwd", "utf8")).split("\n").map((l) => l.split(":")).find((f) => f[2] === me)?.[0] ?? me;
    assert.deepEqual([uid, pid, ppid], [name.length > 8 ? `${name.slice(0, 7)}+` : name, String(process.pid), String(process.ppid)]);
    assert.match(stime ?? "", /^\d\d:\d\d$|^[A-Z][a-z]{2}\d\d$|^\d{4}$/);
    assert.match(time ?? "", /^(\d+-)?\d\d:\d\d:\d\d$/);
    assert.ok(cmd?.startsWith(process.argv0), cmd);
  });

  it("takes ps -o columns", async () => {
    const runc = await script("runc-one", `echo '[${process.pid}]'`);
    const table = await listProcesses(runc, "/r", "c1", { psArgs: ["-o", "pid,comm"] });
    const comm = (await readFile("/proc/self/comm", "utf8")).trim();
    assert.deepEqual(table, { titles: ["PID", "COMMAND"], processes: [[String(process.pid), comm]] });
  });

  it("an empty cgroup (runc prints null) has no rows", async () => {
    const runc = await script("runc-null", "echo null");
    assert.deepEqual((await listProcesses(runc, "/r", "c1")).processes, []);
  });

  it("a container runc does not know is NOT_FOUND", async () => {
    const runc = await script("runc-missing", "echo 'container does not exist' >&2; exit 1");
    await assert.rejects(listProcesses(runc, "/r", "c1"), (e) => e instanceof ContainerNotRunningError && isBerthError(e, "NOT_FOUND"));
  });

  const hostile: readonly [string, string, RegExp][] = [
    ["not JSON", "echo '<html>'", /not JSON/],
    ["a negative pid", "echo '[-1]'", /array of pids/],
    ["pids as strings", "echo '[\"1\"]'", /array of pids/],
    ["an object", "echo '{\"pids\":[1]}'", /array of pids/],
    ["another failure", "echo 'permission denied' >&2; exit 1", /permission denied/],
  ];
  for (const [name, body, re] of hostile) {
    it(`rejects runc output: ${name}`, async () => {
      const runc = await script(`runc-${name.replace(/\W/g, "")}`, body);
      await assert.rejects(listProcesses(runc, "/r", "c1"), (e) => e instanceof RuntimeToolError && re.test(e.message));
    });
  }

  it("stops a runc that hangs, and one that floods", { timeout: 30_000 }, async () => {
    const hang = await script("runc-hang", "exec /bin/sleep 30");
    await assert.rejects(listProcesses(hang, "/r", "c1", { timeoutMs: 300 }), (e) => e instanceof RuntimeToolError && /no answer after 300 ms/.test(e.message));
    const flood = await script("runc-flood", "exec /usr/bin/yes 1,");
    await assert.rejects(listProcesses(flood, "/r", "c1"), (e) => e instanceof RuntimeToolError && /bytes of output/.test(e.message));
  });

  it("refuses ids runc would take for flags or paths, before running anything", async () => {
    for (const id of ["", "-h", "--help", "../x", "a/b", "a b", "x".repeat(1025)]) {
      await assert.rejects(listProcesses(join(dir, "never-created"), "/r", id), (e) => isBerthError(e, "INVALID_ARGUMENT"), id);
    }
  });

  it("a missing runc is a RuntimeToolError naming it", async () => {
    await assert.rejects(listProcesses(join(dir, "no-runc"), "/r", "c1"), (e) => e instanceof RuntimeToolError && e.message.includes("no-runc"));
  });
});
