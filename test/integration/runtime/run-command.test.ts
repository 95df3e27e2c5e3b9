import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { freePort } from "../../support/free-port.js";
import { requireTools } from "../../support/require-root.js";
import { describeResult, run, type RunOptions, type RunResult } from "../../support/run.js";
import { NETAVARK } from "./containers/berth-session.js";
import { assertClean, berthRun, RUN_CLI, RUNC, startDaemon, stopDaemon, useRuntimeFixture, type RuntimeFixture } from "./runtime-fixture.js";

/**
 * `berth run --rm --network none ARGS…`: containers now outlive their run
 * until `rm` (docker's way), and the default network is `bridge`, which
 * every berth root shares as berth0; these tests are about neither.
 */
const runRm = (fx: RuntimeFixture, args: readonly string[], opts?: RunOptions): Promise<RunResult> => berthRun(fx, ["--rm", "--network", "none", ...args], opts);

/** `berth --root ROOT ARGS…`, any command. */
const berth = (fx: RuntimeFixture, args: readonly string[]): Promise<RunResult> => run(process.execPath, [RUN_CLI, "--root", fx.root, ...args], { timeoutMs: 60_000 });

// `berth run` end to end: the command in a child process, real runc, conmon and overlayfs. The same
// tests run twice: with no daemon (berth makes the container itself) and with the root's daemon
// running (berth hands it the making and starting), and with the daemon and berth run as a shell
// runs it (bin/berth.cjs's shell part announces the run, and the daemon makes the container while
// Node starts: api/run-announcements.ts): what a user sees must not differ.
describe("berth run (runc, as root)", () => runSuite(false));
describe("berth run handed to the daemon (runc, as root)", () => runSuite(true));
describe("berth run announced to the daemon by its launcher (runc, as root)", () => runSuite(true, "shell"));

function runSuite(daemon: boolean, launcher?: "shell"): void {
  const fixture = useRuntimeFixture({ daemon, ...(launcher !== undefined && { launcher }) });

  it("pulls a missing image and propagates the exit code (exit 3)", async (t) => {
    const shared = await fixture(t);
    if (!shared) return;
    const fx = { ...shared, root: join(shared.tmp.path, "fresh-root") };
    // With a daemon, it answers that the image is not in the store; this berth pulls it and runs it.
    if (daemon) {
      await startDaemon(fx.root);
      t.after(() => stopDaemon(fx.root));
    }
    const r = await runRm(fx, ["-q", fx.location, "/bin/sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(r.code, 3, describeResult(r));
    assert.equal(r.stdout, "out\n");
    assert.match(r.stderr, /err\n/);
    await assertClean(fx);
  });

  it("runs with a --root relative to the directory berth is run in (conmon works in the container's own)", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const argv = ["--root", basename(fx.root), "run", "--rm", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "echo relative; exit 6"];
    const r = launcher === "shell" ? await run(RUN_CLI, argv, { cwd: fx.tmp.path, timeoutMs: 60_000 }) : await run(process.execPath, [RUN_CLI, ...argv], { cwd: fx.tmp.path, timeoutMs: 60_000 });
    assert.equal(r.code, 6, describeResult(r));
    assert.equal(r.stdout, "relative\n");
    await assertClean(fx);
  });

  it("runs by the pulled name, exit 0; without --rm the container stays until rm", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await runRm(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "true"]);
    assert.equal(r.code, 0, describeResult(r));
    await assertClean(fx);
    const kept = await berthRun(fx, ["--name", "kept", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "exit 2"]);
    assert.equal(kept.code, 2, describeResult(kept));
    const ps = await berth(fx, ["ps", "-a"]);
    assert.match(ps.stdout, /Exited \(2\).*\bkept\n/);
    const rm = await berth(fx, ["rm", "kept"]);
    assert.equal(rm.code, 0, describeResult(rm));
    await assertClean(fx);
  });

  it("a foreground run shows all its output, past the log's size limit (10 MiB)", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const bytes = 24_000_000;
    const r = await runRm(fx, ["localhost/busybox:t1", "/bin/sh", "-c", `yes 0123456789abcdef | head -c ${bytes}; echo; echo done >&2`]);
    assert.equal(r.code, 0, describeResult(r));
    assert.equal(r.stdout.length, bytes + 1, "every byte the container wrote");
    assert.equal(r.stderr, "done\n");
    await assertClean(fx);
  });

  it("a missing command exits 127, a non-executable file 126", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const missing = await berthRun(fx, ["--network", "none", "localhost/busybox:t1", "/no/such/program"]);
    assert.equal(missing.code, 127, describeResult(missing));
    assert.match(missing.stderr, /hint: check the command/);
    const notExec = await berthRun(fx, ["--network", "none", "localhost/busybox:t1", "/etc/passwd"]);
    assert.equal(notExec.code, 126, describeResult(notExec));
    await assertClean(fx);
  });

  it("berth's own failures exit 125 and leave nothing behind", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const cases: readonly [string[], RegExp][] = [
      [["-u", "ghost", "localhost/busybox:t1", "true"], /-u ghost: no user "ghost"/],
      [["--memory", "lots", "localhost/busybox:t1", "true"], /--memory lots/],
      [["--cpus", "0.001", "localhost/busybox:t1", "true"], /--cpus 0.001/],
      [["--network", "no-such-network", "localhost/busybox:t1", "true"], /no-such-network/],
      [["-v", "bad name!:/data", "localhost/busybox:t1", "true"], /volume name "bad name!"/],
      // docker's -v would create a missing host path; its --mount refuses, and so does berth (for both).
      [["--mount", `type=bind,src=${join(fx.tmp.path, "nope")},dst=/data`, "localhost/busybox:t1", "true"], /does not exist/],
      [["--cap-add", "GODMODE", "localhost/busybox:t1", "true"], /--cap-add GODMODE/],
      [["--name", "../x", "localhost/busybox:t1", "true"], /--name \.\.\/x/],
      [["--security-opt", "apparmor=x", "localhost/busybox:t1", "true"], /--security-opt apparmor=x/],
      [["--entrypoint", "", "localhost/busybox:t1"], /no command specified/],
      [["localhost/no-such-image:1"], /no-such-image/],
    ];
    for (const [args, message] of cases) {
      const r = await berthRun(fx, args);
      assert.equal(r.code, 125, describeResult(r));
      assert.match(r.stderr, message);
    }
    await assertClean(fx);
  });

  it("a run that fails removes the anonymous volumes it made and keeps the named ones, as its container goes", async (t) => {
    const fx = await fixture(t);
    if (!fx || !requireTools(t, [NETAVARK])) return;
    const volumes = async (): Promise<string[]> => {
      const r = await berth(fx, ["volume", "ls", "-q"]);
      assert.equal(r.code, 0, describeResult(r));
      return r.stdout.split("\n").filter((l) => l !== "").sort();
    };
    const before = await volumes();
    // The host port is held here, on 127.0.0.1: the run's own check finds it taken.
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve, reject) => holder.once("error", reject).listen(port, "127.0.0.1", resolve));
    t.after(() => new Promise((resolve) => holder.close(resolve)));
    const named = `kept-${daemon ? "d" : "l"}`;
    const cases: readonly [string, string[], number, RegExp][] = [
      ["a missing command", ["--network", "none", "localhost/busybox:t1", "nosuchcmd"], 127, /nosuchcmd/],
      ["a missing network", ["--network", "no-such-network", "localhost/busybox:t1", "true"], 125, /no-such-network/],
      ["a taken host port", ["-p", `127.0.0.1:${port}:80`, "localhost/busybox:t1", "/bin/busybox", "sleep", "30"], 125, new RegExp(`${port}.*already in use`)],
    ];
    for (const [what, args, code, message] of cases) {
      const r = await berthRun(fx, ["-d", "-v", "/anon", "-v", `${named}:/named`, ...args]);
      assert.equal(r.code, code, `${what}: ${describeResult(r)}`);
      assert.match(r.stderr, message, what);
      assert.equal(r.stdout, "", `${what}: run -d printed an id`);
      assert.deepEqual(await volumes(), [...before, named].sort(), `${what}: an anonymous volume outlived its container, or the named one went`);
    }
    await assertClean(fx);
    const rm = await berth(fx, ["volume", "rm", named]);
    assert.equal(rm.code, 0, describeResult(rm));
  });

  it("env from the image, --env-file and -e (later wins); -w", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const envFile = join(fx.tmp.path, "vars.env");
    await writeFile(envFile, "# comment\nA=from-file\nB=file\n");
    const r = await runRm(fx, ["--env-file", envFile, "-e", "A=from-flag", "-w", "/srv/app", "localhost/busybox:t1", "/bin/sh", "-c", "env; pwd"]);
    assert.equal(r.code, 0, describeResult(r));
    const lines = r.stdout.split("\n");
    assert.ok(lines.includes("PATH=/bin"), r.stdout);
    assert.ok(lines.includes("A=from-flag"), r.stdout);
    assert.ok(lines.includes("B=file"), r.stdout);
    assert.ok(lines.includes("HOME=/root"), r.stdout);
    assert.equal(lines.at(-2), "/srv/app");
  });

  it("-u 1000:1000 shows in id", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await runRm(fx, ["-u", "1000:1000", "localhost/busybox:t1", "/bin/sh", "-c", "id"]);
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /^uid=1000 gid=1000/);
  });

  it("--read-only makes touch fail; --tmpfs stays writable", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const ro = await runRm(fx, ["--read-only", "--tmpfs", "/scratch", "localhost/busybox:t1", "/bin/sh", "-c", "touch /scratch/ok && touch /x"]);
    assert.notEqual(ro.code, 0, describeResult(ro));
    assert.match(ro.stderr, /Read-only file system/);
    const rw = await runRm(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "touch /x"]);
    assert.equal(rw.code, 0, describeResult(rw));
  });

  it("-v bind mounts: readable, writable, and :ro not writable", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const host = join(fx.tmp.path, "shared");
    await mkdir(host, { recursive: true });
    await writeFile(join(host, "hello.txt"), "from host\n");
    const rw = await runRm(fx, ["-v", `${host}:/data`, "localhost/busybox:t1", "/bin/sh", "-c", "cat /data/hello.txt && echo back > /data/back.txt"]);
    assert.equal(rw.code, 0, describeResult(rw));
    assert.equal(rw.stdout, "from host\n");
    const ro = await runRm(fx, ["-v", `${host}:/data:ro`, "localhost/busybox:t1", "/bin/sh", "-c", "cat /data/back.txt; touch /data/nope"]);
    assert.notEqual(ro.code, 0, describeResult(ro));
    assert.equal(ro.stdout, "back\n");
    assert.match(ro.stderr, /Read-only file system/);
    await assertClean(fx);
  });

  it("--cap-drop ALL shows CapEff 0; the default set does not", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const none = await runRm(fx, ["--cap-drop", "ALL", "localhost/busybox:t1", "/bin/sh", "-c", "grep CapEff /proc/self/status"]);
    assert.equal(none.code, 0, describeResult(none));
    assert.match(none.stdout, /CapEff:\s+0000000000000000/);
    const dflt = await runRm(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "grep CapEff /proc/self/status"]);
    // docker's 14 capabilities: 0xa80425fb.
    assert.match(dflt.stdout, /CapEff:\s+00000000a80425fb/);
  });

  it("seccomp: the default profile filters, a custom profile blocks mkdir, unconfined has none", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    if (existsSync("/usr/share/containers/seccomp.json")) {
      const dflt = await runRm(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "grep '^Seccomp:' /proc/self/status"]);
      assert.match(dflt.stdout, /Seccomp:\s+2/, describeResult(dflt));
    }
    const profile = join(fx.tmp.path, "no-mkdir.json");
    await writeFile(profile, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] }));
    const blocked = await runRm(fx, ["--security-opt", `seccomp=${profile}`, "localhost/busybox:t1", "/bin/sh", "-c", "mkdir /made"]);
    assert.notEqual(blocked.code, 0, describeResult(blocked));
    assert.match(blocked.stderr, /Operation not permitted/);
    // A relative profile path is the caller's: resolved where berth runs, not where the daemon does.
    const relative = await runRm(fx, ["--security-opt", "seccomp=no-mkdir.json", "localhost/busybox:t1", "/bin/sh", "-c", "mkdir /made"], { cwd: fx.tmp.path });
    assert.notEqual(relative.code, 0, describeResult(relative));
    assert.match(relative.stderr, /Operation not permitted/);
    const allowed = await runRm(fx, ["--security-opt", "seccomp=unconfined", "localhost/busybox:t1", "/bin/sh", "-c", "mkdir /made && grep '^Seccomp:' /proc/self/status"]);
    assert.equal(allowed.code, 0, describeResult(allowed));
    assert.match(allowed.stdout, /Seccomp:\s+0/);
    const bad = await runRm(fx, ["--security-opt", `seccomp=${join(fx.tmp.path, "absent.json")}`, "localhost/busybox:t1", "true"]);
    assert.equal(bad.code, 125, describeResult(bad));
    await assertClean(fx);
  });

  it("--pids-limit 20 contains a fork loop", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const started = Date.now();
    const r = await runRm(fx, ["--pids-limit", "20", "localhost/busybox:t1", "/bin/sh", "-c", "for i in $(seq 1 60); do sleep 3 & done; echo all-started"], { timeoutMs: 30_000 });
    assert.equal(r.timedOut, false);
    assert.ok(Date.now() - started < 30_000);
    assert.match(r.stderr, /can't fork/, describeResult(r));
    assert.doesNotMatch(r.stdout, /all-started/);
    await assertClean(fx);
  });

  it("resource limits reach the container's cgroup", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await runRm(fx, ["--memory", "64m", "--cpus", "0.5", "localhost/busybox:t1", "/bin/sh", "-c",
      "cat /sys/fs/cgroup/memory/memory.max /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null; true"]);
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /\b67108864\b/);
    assert.match(r.stdout, /\b50000\b/);
  });

  it("hostname: the short id by default, --hostname when given, and the host's with --network host", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const dflt = await runRm(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "hostname"]);
    assert.match(dflt.stdout, /^[0-9a-f]{12}\n$/);
    const named = await runRm(fx, ["--hostname", "web-1", "localhost/busybox:t1", "/bin/sh", "-c", "hostname; cat /etc/hostname; grep -c web-1 /etc/hosts"]);
    assert.equal(named.stdout, "web-1\nweb-1\n1\n", describeResult(named));
    const none = await runRm(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "cat /proc/net/dev | grep -c :"]);
    assert.equal(none.stdout.trim(), "1", "only lo in --network none");
    const host = await berthRun(fx, ["--rm", "--network", "host", "localhost/busybox:t1", "/bin/sh", "-c", "hostname"]);
    assert.equal(host.stdout, `${hostname()}\n`, describeResult(host));
    await assertClean(fx);
  });

  it("SIGTERM to berth reaches the container", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const child = spawn(process.execPath, [RUN_CLI, "--root", fx.root, "run", "--rm", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c",
      "trap 'echo got-term; exit 42' TERM; echo ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 9"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      const code = await new Promise<number | null>((resolve) => {
        child.stdout.on("data", (b: Buffer) => {
          out += b.toString();
          if (out.includes("ready\n") && !out.includes("sent")) {
            out += "sent";
            child.kill("SIGTERM");
          }
        });
        child.on("close", (c) => resolve(c));
      });
      assert.equal(code, 42, out);
      assert.match(out, /got-term/);
    } finally {
      clearTimeout(timer);
    }
    await assertClean(fx);
  });

  it("a foreground berth killed with SIGKILL leaves its container running under conmon; rm -f removes it", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    t.after(async () => {
      await berth(fx, ["rm", "-f", "orphan"]);
    });
    const child = spawn(process.execPath, [RUN_CLI, "--root", fx.root, "run", "--name", "orphan", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c",
      "echo ready; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"], { stdio: ["ignore", "pipe", "ignore"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (b: Buffer) => {
          out += b.toString();
          if (out.includes("ready\n")) resolve();
        });
        child.on("close", () => reject(new Error(`berth ended before the container was ready: ${out}`)));
      });
      const exited = new Promise((r) => child.once("close", r));
      child.kill("SIGKILL");
      // "close", not "exit": conmon holds the container's stdio, so berth's pipe closes with berth.
      await exited;
    } finally {
      clearTimeout(timer);
    }
    const ps = await berth(fx, ["ps"]);
    assert.match(ps.stdout, /\bUp .*\borphan\n/, describeResult(ps));
    const taken = await berthRun(fx, ["--name", "orphan", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "exit 0"]);
    assert.equal(taken.code, 125, describeResult(taken));
    assert.match(taken.stderr, /"orphan" is already in use/);
    assert.equal((await berth(fx, ["rm", "-f", "orphan"])).code, 0);
    await assertClean(fx);
  });

  it(daemon ? "the daemon starts the container: its monitor has the daemon's environment, not this berth's" : "this berth starts the container: its monitor has this berth's environment", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await run(process.execPath, [RUN_CLI, "--root", fx.root, "run", "-d", "--network", "none", "localhost/busybox:t1", "/bin/sh", "-c", "sleep 30"],
      { timeoutMs: 60_000, env: { ...process.env, BERTH_TEST_CALLER: "the-cli" } });
    assert.equal(r.code, 0, describeResult(r));
    const id = r.stdout.trim();
    t.after(() => berth(fx, ["rm", "-f", id]));
    const state = JSON.parse(await readFile(join(fx.root, "containers", id, "state.json"), "utf8")) as { monitor?: { pid: number } };
    assert.ok(state.monitor !== undefined, "no monitor recorded");
    const environ = (await readFile(`/proc/${state.monitor.pid}/environ`, "utf8")).split("\0");
    assert.equal(environ.includes("BERTH_TEST_CALLER=the-cli"), !daemon, `conmon's environment: ${environ.filter((e) => e.startsWith("BERTH_")).join(" ") || "no BERTH_ variables"}`);
  });

  it("--runtime: a program wrapping runc runs the container, and every later step goes through it; a missing one is refused", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const log = join(fx.tmp.path, `oci-calls-${daemon ? "daemon" : "local"}.log`);
    const wrapper = join(fx.tmp.path, `oci-wrapper-${daemon ? "daemon" : "local"}`);
    // Logs runc's subcommand (the first word that is one), then is runc.
    await writeFile(wrapper, `#!/bin/sh\nfor a in "$@"; do case "$a" in create|start|kill|delete|exec) echo "$a" >> '${log}'; break;; esac; done\nexec ${RUNC} "$@"\n`, { mode: 0o755 });
    const calls = async (): Promise<string[]> => (await readFile(log, "utf8").catch(() => "")).split("\n").filter((l) => l !== "");
    const once = await runRm(fx, ["--runtime", wrapper, "localhost/busybox:t1", "/bin/sh", "-c", "echo via-wrapper; exit 4"]);
    assert.equal(once.code, 4, describeResult(once));
    assert.equal(once.stdout, "via-wrapper\n");
    await assertClean(fx);
    assert.ok((await calls()).includes("create"), `the wrapper made the container: ${(await calls()).join(" ")}`);
    assert.ok((await calls()).includes("delete"), `its state was deleted through the wrapper: ${(await calls()).join(" ")}`);

    await writeFile(log, "");
    const name = `wrapped-${daemon ? "d" : "l"}`;
    const started = await berthRun(fx, ["-d", "--name", name, "--network", "none", "--runtime", wrapper, "localhost/busybox:t1", "/bin/sh", "-c", "sleep 60"]);
    assert.equal(started.code, 0, describeResult(started));
    t.after(() => berth(fx, ["rm", "-f", name]));
    const inspected = JSON.parse((await berth(fx, ["inspect", name])).stdout) as { HostConfig: { Runtime: string } }[];
    assert.equal(inspected[0]?.HostConfig.Runtime, wrapper);
    assert.equal((await berth(fx, ["exec", name, "/bin/sh", "-c", "true"])).code, 0);
    const stopped = await berth(fx, ["stop", "-t", "1", name]);
    assert.equal(stopped.code, 0, describeResult(stopped));
    assert.equal((await berth(fx, ["rm", name])).code, 0);
    const seen = await calls();
    for (const step of ["create", "exec", "kill", "delete"]) assert.ok(seen.includes(step), `${step} did not go through the wrapper: ${seen.join(" ")}`);
    assert.deepEqual(await readdir(join(fx.root, "runtimes", basename(wrapper))).catch(() => []), [], "the wrapper's state dir holds nothing");

    const missing = await berthRun(fx, ["--rm", "--network", "none", "--runtime", join(fx.tmp.path, "no-such-runtime"), "localhost/busybox:t1", "true"]);
    assert.equal(missing.code, 125, describeResult(missing));
    assert.match(missing.stderr, /--runtime .*no-such-runtime: no such program, or not executable/);
    await assertClean(fx);
  });

  it("--runtime crun runs the container, or fails as crun says (it refuses hybrid cgroup v1/v2 hosts) leaving nothing", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    if (!existsSync("/usr/bin/crun")) {
      t.skip("needs crun (apt-get install crun)");
      return;
    }
    const r = await runRm(fx, ["--runtime", "crun", "localhost/busybox:t1", "/bin/sh", "-c", "echo from-crun"]);
    if (r.code === 0) {
      assert.equal(r.stdout, "from-crun\n");
    } else {
      t.diagnostic(`crun cannot run containers here: ${r.stderr.split("\n")[0]}`);
      assert.equal(r.code, 125, describeResult(r));
      assert.match(r.stderr, /^berth: container [0-9a-f]{12}: \S/);
    }
    await assertClean(fx);
    assert.deepEqual(await readdir(join(fx.root, "runtimes", "crun")).catch(() => []), [], "crun's state dir holds nothing");
  });

  it("--pull: never runs only what the store holds; always pulls even then; a bad policy is refused", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    // The image under a registry's name whose port nothing listens on: found in the store, not pullable.
    const ref = `127.0.0.1:${await freePort()}/busybox:pull-${daemon ? "d" : "l"}`;
    assert.equal((await berth(fx, ["tag", "localhost/busybox:t1", ref])).code, 0);
    const stored = await runRm(fx, ["--pull", "never", ref, "/bin/sh", "-c", "echo from-the-store"]);
    assert.equal(stored.code, 0, describeResult(stored));
    assert.equal(stored.stdout, "from-the-store\n");
    const missing = await runRm(fx, [ref, "/bin/sh", "-c", "echo missing-is-the-default"]);
    assert.equal(missing.stdout, "missing-is-the-default\n", describeResult(missing));
    const always = await runRm(fx, ["-q", "--pull", "always", ref, "/bin/sh", "-c", "echo must-not-run"]);
    assert.equal(always.code, 125, describeResult(always));
    assert.match(always.stderr, /ECONNREFUSED|nothing listens/);
    assert.equal(always.stdout, "");
    const absent = await runRm(fx, ["--pull", "never", "localhost/absent:1", "true"]);
    assert.equal(absent.code, 125, describeResult(absent));
    assert.match(absent.stderr, /image localhost\/absent:1: not found/);
    const bad = await runRm(fx, ["--pull", "sometimes", "localhost/busybox:t1", "true"]);
    assert.equal(bad.code, 125, describeResult(bad));
    assert.match(bad.stderr, /--pull sometimes: expected missing, always or never/);
    await assertClean(fx);
  });
}
