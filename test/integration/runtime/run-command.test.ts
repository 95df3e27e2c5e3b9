import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeResult } from "../../support/run.js";
import { assertClean, berthRun, useRuntimeFixture } from "./runtime-fixture.js";

// `berth run` end to end: the command in a child process, real runc, real overlayfs.
describe("berth run (runc, as root)", () => {
  const fixture = useRuntimeFixture();

  it("pulls a missing image and propagates the exit code (exit 3)", async (t) => {
    const shared = await fixture(t);
    if (!shared) return;
    const fx = { ...shared, root: join(shared.tmp.path, "fresh-root") };
    const r = await berthRun(fx, ["--rm", "-q", fx.location, "/bin/sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(r.code, 3, describeResult(r));
    assert.equal(r.stdout, "out\n");
    assert.match(r.stderr, /err\n/);
    await assertClean(fx);
  });

  it("runs by the pulled name, exit 0", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await berthRun(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "true"]);
    assert.equal(r.code, 0, describeResult(r));
    await assertClean(fx);
  });

  it("a missing command exits 127, a non-executable file 126", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const missing = await berthRun(fx, ["localhost/busybox:t1", "/no/such/program"]);
    assert.equal(missing.code, 127, describeResult(missing));
    assert.match(missing.stderr, /hint: check the command/);
    const notExec = await berthRun(fx, ["localhost/busybox:t1", "/etc/passwd"]);
    assert.equal(notExec.code, 126, describeResult(notExec));
    await assertClean(fx);
  });

  it("berth's own failures exit 125 and leave nothing behind", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const cases: readonly [string[], RegExp][] = [
      [["-u", "ghost", "localhost/busybox:t1", "true"], /-u ghost: no user "ghost"/],
      [["--memory", "lots", "localhost/busybox:t1", "true"], /--memory lots/],
      [["--cpus", "0", "localhost/busybox:t1", "true"], /--cpus 0/],
      [["--network", "bridge", "localhost/busybox:t1", "true"], /--network bridge/],
      [["-v", "relative:/data", "localhost/busybox:t1", "true"], /-v relative:\/data/],
      [["-v", join(fx.tmp.path, "nope") + ":/data", "localhost/busybox:t1", "true"], /does not exist/],
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

  it("env from the image, --env-file and -e (later wins); -w", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const envFile = join(fx.tmp.path, "vars.env");
    await writeFile(envFile, "# comment\nA=from-file\nB=file\n");
    const r = await berthRun(fx, ["--env-file", envFile, "-e", "A=from-flag", "-w", "/srv/app", "localhost/busybox:t1", "/bin/sh", "-c", "env; pwd"]);
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
    const r = await berthRun(fx, ["-u", "1000:1000", "localhost/busybox:t1", "/bin/sh", "-c", "id"]);
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /^uid=1000 gid=1000/);
  });

  it("--read-only makes touch fail; --tmpfs stays writable", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const ro = await berthRun(fx, ["--read-only", "--tmpfs", "/scratch", "localhost/busybox:t1", "/bin/sh", "-c", "touch /scratch/ok && touch /x"]);
    assert.notEqual(ro.code, 0, describeResult(ro));
    assert.match(ro.stderr, /Read-only file system/);
    const rw = await berthRun(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "touch /x"]);
    assert.equal(rw.code, 0, describeResult(rw));
  });

  it("-v bind mounts: readable, writable, and :ro not writable", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const host = join(fx.tmp.path, "shared");
    await mkdir(host, { recursive: true });
    await writeFile(join(host, "hello.txt"), "from host\n");
    const rw = await berthRun(fx, ["-v", `${host}:/data`, "localhost/busybox:t1", "/bin/sh", "-c", "cat /data/hello.txt && echo back > /data/back.txt"]);
    assert.equal(rw.code, 0, describeResult(rw));
    assert.equal(rw.stdout, "from host\n");
    const ro = await berthRun(fx, ["-v", `${host}:/data:ro`, "localhost/busybox:t1", "/bin/sh", "-c", "cat /data/back.txt; touch /data/nope"]);
    assert.notEqual(ro.code, 0, describeResult(ro));
    assert.equal(ro.stdout, "back\n");
    assert.match(ro.stderr, /Read-only file system/);
    await assertClean(fx);
  });

  it("--cap-drop ALL shows CapEff 0; the default set does not", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const none = await berthRun(fx, ["--cap-drop", "ALL", "localhost/busybox:t1", "/bin/sh", "-c", "grep CapEff /proc/self/status"]);
    assert.equal(none.code, 0, describeResult(none));
    assert.match(none.stdout, /CapEff:\s+0000000000000000/);
    const dflt = await berthRun(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "grep CapEff /proc/self/status"]);
    // docker's 14 capabilities: 0xa80425fb.
    assert.match(dflt.stdout, /CapEff:\s+00000000a80425fb/);
  });

  it("seccomp: the default profile filters, a custom profile blocks mkdir, unconfined has none", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { existsSync } = await import("node:fs");
    if (existsSync("/usr/share/containers/seccomp.json")) {
      const dflt = await berthRun(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "grep '^Seccomp:' /proc/self/status"]);
      assert.match(dflt.stdout, /Seccomp:\s+2/, describeResult(dflt));
    }
    const profile = join(fx.tmp.path, "no-mkdir.json");
    await writeFile(profile, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] }));
    const blocked = await berthRun(fx, ["--security-opt", `seccomp=${profile}`, "localhost/busybox:t1", "/bin/sh", "-c", "mkdir /made"]);
    assert.notEqual(blocked.code, 0, describeResult(blocked));
    assert.match(blocked.stderr, /Operation not permitted/);
    const allowed = await berthRun(fx, ["--security-opt", "seccomp=unconfined", "localhost/busybox:t1", "/bin/sh", "-c", "mkdir /made && grep '^Seccomp:' /proc/self/status"]);
    assert.equal(allowed.code, 0, describeResult(allowed));
    assert.match(allowed.stdout, /Seccomp:\s+0/);
    const bad = await berthRun(fx, ["--security-opt", `seccomp=${join(fx.tmp.path, "absent.json")}`, "localhost/busybox:t1", "true"]);
    assert.equal(bad.code, 125, describeResult(bad));
    await assertClean(fx);
  });

  it("--pids-limit 20 contains a fork loop", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const started = Date.now();
    const r = await berthRun(fx, ["--pids-limit", "20", "localhost/busybox:t1", "/bin/sh", "-c", "for i in $(seq 1 60); do sleep 3 & done; echo all-started"], { timeoutMs: 30_000 });
    assert.equal(r.timedOut, false);
    assert.ok(Date.now() - started < 30_000);
    assert.match(r.stderr, /can't fork/, describeResult(r));
    assert.doesNotMatch(r.stdout, /all-started/);
    await assertClean(fx);
  });

  it("resource limits reach the container's cgroup", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await berthRun(fx, ["--memory", "64m", "--cpus", "0.5", "localhost/busybox:t1", "/bin/sh", "-c",
      "cat /sys/fs/cgroup/memory/memory.max /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null; true"]);
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /\b67108864\b/);
    assert.match(r.stdout, /\b50000\b/);
  });

  it("hostname: the short id by default, --hostname when given, and the host's with --network host", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const dflt = await berthRun(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "hostname"]);
    assert.match(dflt.stdout, /^[0-9a-f]{12}\n$/);
    const named = await berthRun(fx, ["--hostname", "web-1", "localhost/busybox:t1", "/bin/sh", "-c", "hostname; cat /etc/hostname; grep -c web-1 /etc/hosts"]);
    assert.equal(named.stdout, "web-1\nweb-1\n1\n", describeResult(named));
    const none = await berthRun(fx, ["localhost/busybox:t1", "/bin/sh", "-c", "cat /proc/net/dev | grep -c :"]);
    assert.equal(none.stdout.trim(), "1", "only lo in --network none");
    const host = await berthRun(fx, ["--network", "host", "localhost/busybox:t1", "/bin/sh", "-c", "hostname"]);
    assert.equal(host.stdout, `${hostname()}\n`, describeResult(host));
    await assertClean(fx);
  });

  it("SIGTERM to berth reaches the container", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { spawn } = await import("node:child_process");
    const { RUN_CLI } = await import("./runtime-fixture.js");
    const child = spawn(process.execPath, [RUN_CLI, "--root", fx.root, "run", "localhost/busybox:t1", "/bin/sh", "-c",
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

  it("a berth killed with SIGKILL leaves a container that the next run removes", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const { spawn } = await import("node:child_process");
    const { RUN_CLI } = await import("./runtime-fixture.js");
    const child = spawn(process.execPath, [RUN_CLI, "--root", fx.root, "run", "--name", "orphan", "localhost/busybox:t1", "/bin/sh", "-c",
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
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      // Not "close": the orphaned container still holds berth's stdout pipe.
      await exited;
    } finally {
      clearTimeout(timer);
    }
    const { mountsUnder } = await import("../../support/unmount.js");
    assert.equal((await mountsUnder(fx.root)).length, 1, "the dead berth's rootfs is still mounted");
    // The name is taken over, and the orphan is removed before the new container starts.
    const r = await berthRun(fx, ["--name", "orphan", "localhost/busybox:t1", "/bin/sh", "-c", "exit 0"]);
    assert.equal(r.code, 0, describeResult(r));
    await assertClean(fx);
  });
});
