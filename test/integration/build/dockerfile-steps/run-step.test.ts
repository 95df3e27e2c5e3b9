import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { access, lstat, readdir, readFile, readlink, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BuildStepStartError, HOST_CA_PATH, runBuildStep } from "../../../../src/runtime/index.js";
import { isBerthError } from "../../../../src/oci/index.js";
import { mountStepRootfs } from "../../../../src/build/dockerfile/step-rootfs.js";
import { pidsWithCommandLine } from "../../../support/process.js";
import { waitFor } from "../../../support/wait-for.js";
import { cgroupDir } from "../../runtime/containers/cgroup-probe.js";
import {
  assertNothingLeft, commit, describeEntries, interfaces, layerEntries, makeStepFixture, requireSteps, runStep, sh,
  stepsUnsupported, type StepFixture,
} from "./steps-fixture.js";

describe("runBuildStep: RUN in a mounted rootfs through runc", () => {
  let f: StepFixture | undefined;
  before(async () => {
    if ((await stepsUnsupported()) === undefined) f = await makeStepFixture();
  });
  after(async () => {
    await f?.runtime.tmp.remove();
  });
  const fixture = async (t: TestContext): Promise<StepFixture | undefined> => {
    if (!(await requireSteps(t))) return undefined;
    assert.ok(f, "fixture not built");
    return f;
  };

  it("returns the command's exit code and streams its stdout and stderr apart", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await sh(fx, "echo out; echo err >&2; exit 3");
    await r.mount.discard();
    assert.equal(r.exitCode, 3);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
    const ok = await sh(fx, "true");
    await ok.mount.discard();
    assert.equal(ok.exitCode, 0);
    await assertNothingLeft(fx);
  });

  it("a command that does not exist: 127 from the shell, BuildStepStartError from exec form", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await sh(fx, "no-such-command");
    await r.mount.discard();
    assert.equal(r.exitCode, 127);
    await assert.rejects(runStep(fx, ["/no/such/program"]), (e: unknown) => e instanceof BuildStepStartError && e.exitCode === 127 && /no such file|not found/i.test(e.message));
    await assertNothingLeft(fx);
  });

  it("gives the command exactly its env, docker's PATH/HOSTNAME/HOME defaults, and the hostname rule", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const none = await sh(fx, "/bin/busybox env | /bin/busybox sort; /bin/busybox hostname", { env: ["A=1", "B=two words"], network: "none" });
    await none.mount.discard();
    const lines = none.stdout.trim().split("\n");
    const hostname = lines.pop()!;
    assert.match(hostname, /^[0-9a-f]{12}$/, "network none: the container id's prefix");
    const env = lines.filter((l) => !/^(PWD|SHLVL)=/.test(l));
    assert.deepEqual(env, ["A=1", "B=two words", "HOME=/root", `HOSTNAME=${hostname}`, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    const host = await sh(fx, "/bin/busybox hostname", { network: "host" });
    await host.mount.discard();
    assert.equal(host.stdout.trim(), (await readFile("/proc/sys/kernel/hostname", "utf8")).trim(), "network host: the host's name, as docker");
  });

  it("runs as USER: names and numbers from the image, files owned by that uid, unknown users refused", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await sh(fx, "/bin/busybox id -u; /bin/busybox id -g; echo x > /tmp/mine", { user: "nobody" });
    try {
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, "65534\n65534\n");
      const st = await stat(join(r.mount.upperDir, "tmp", "mine"));
      assert.deepEqual([st.uid, st.gid], [65534, 65534]);
    } finally {
      await r.mount.discard();
    }
    const n = await sh(fx, "/bin/busybox id -u; /bin/busybox id -g", { user: "1234:5678" });
    await n.mount.discard();
    assert.equal(n.stdout, "1234\n5678\n");
    const g = await sh(fx, "/bin/busybox id -g", { user: "root:nogroup" });
    await g.mount.discard();
    assert.equal(g.stdout, "65534\n");
    await assert.rejects(sh(fx, "true", { user: "ghost" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /USER ghost: no user "ghost"/.test(e.message));
    await assert.rejects(sh(fx, "true", { user: "root:ghosts" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /no group "ghosts"/.test(e.message));
    await assertNothingLeft(fx);
  });

  it("makes a missing working dir (root, 0755) in the layer, as docker", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await sh(fx, "/bin/busybox pwd", { workdir: "/srv/app", user: "nobody" });
    const st = await stat(join(r.mount.upperDir, "srv", "app"));
    assert.equal(r.stdout, "/srv/app\n");
    assert.ok(st.isDirectory());
    assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o755, 0, 0]);
    const c = await commit(fx, r);
    assert.deepEqual(describeEntries(await layerEntries(fx, c.layer.descriptor.digest)), ["directory srv/", "directory srv/app/"]);
  });

  it("network none has only loopback; host is the host's own network namespace", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const script = "/bin/busybox readlink /proc/self/ns/net; /bin/cat /proc/net/dev";
    const hostNs = await readlink("/proc/self/ns/net");
    const none = await sh(fx, script, { network: "none" });
    await none.mount.discard();
    assert.notEqual(none.stdout.split("\n")[0], hostNs);
    assert.deepEqual(interfaces(none.stdout.slice(none.stdout.indexOf("\n") + 1)), ["lo"]);
    const host = await sh(fx, script, { network: "host" });
    await host.mount.discard();
    assert.equal(host.stdout.split("\n")[0], hostNs);
    assert.ok(interfaces(host.stdout.slice(host.stdout.indexOf("\n") + 1)).some((n) => n !== "lo"), "the host's interfaces are there");
    const hosts = await runStep(fx, ["/bin/cat", "/etc/hosts"], { network: "none" });
    await hosts.mount.discard();
    assert.match(hosts.stdout, /^127\.0\.0\.1\tlocalhost$/m);
  });

  it("lends the host's proxy variables and CA file to the step only, and says which variables it added", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const ca = join(fx.runtime.tmp.path, "host-ca.pem");
    await writeFile(ca, "-----BEGIN CERTIFICATE-----\nberth test CA\n-----END CERTIFICATE-----\n");
    const hostEnv = { SSL_CERT_FILE: ca, HTTP_PROXY: "http://127.0.0.1:9", no_proxy: "localhost", HTTPS_PROXY: "" };
    const r = await sh(fx, `/bin/cat ${HOST_CA_PATH}; /bin/busybox env | /bin/busybox sort; echo changed > ${HOST_CA_PATH} || echo read-only`, {
      hostTrust: true, hostEnv, env: ["PATH=/bin", "no_proxy=mine"],
    });
    try {
      assert.ok(r.stdout.startsWith(await readFile(ca, "utf8")), r.stdout + r.stderr);
      for (const line of ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"].map((n) => `${n}=${HOST_CA_PATH}`)) {
        assert.ok(r.stdout.includes(`${line}\n`), `${line} in ${r.stdout}`);
      }
      assert.ok(r.stdout.includes("HTTP_PROXY=http://127.0.0.1:9\n"));
      assert.ok(r.stdout.includes("no_proxy=mine\n"), "the step's own value wins");
      assert.ok(!r.stdout.includes("HTTPS_PROXY"), "empty host variables are not lent");
      assert.ok(r.stdout.trim().endsWith("read-only"), "the CA file is bound read-only");
      assert.deepEqual([...r.addedEnv].sort(), ["CURL_CA_BUNDLE", "HTTP_PROXY", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"]);
      assert.deepEqual(await readdir(r.mount.upperDir), [], "neither the CA file nor its mount point is in the upper dir");
    } finally {
      await r.mount.discard();
    }
    assert.equal(await readFile(ca, "utf8"), "-----BEGIN CERTIFICATE-----\nberth test CA\n-----END CERTIFICATE-----\n");
    const off = await sh(fx, `/bin/busybox env; /bin/busybox wc -c < ${HOST_CA_PATH}`, { hostTrust: false, hostEnv });
    await off.mount.discard();
    assert.ok(!off.stdout.includes("SSL_CERT_FILE"));
    assert.deepEqual(off.addedEnv, ["HTTP_PROXY", "no_proxy"]);
  });

  it("never leaves runc's mount points in the upper dir, even with binds", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const data = join(fx.runtime.tmp.path, "bind-src");
    await writeFile(data, "bound\n");
    const r = await sh(fx, "/bin/cat /opt/data-file && /bin/busybox test -d /opt/data/root && /bin/busybox ls /dev/null /proc/self /sys/kernel >/dev/null", {
      binds: [{ source: fx.runtime.tmp.path, destination: "/opt/data" }, { source: data, destination: "/opt/data-file" }],
      hostTrust: true, hostEnv: { SSL_CERT_FILE: data },
    });
    try {
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, "bound\n");
      assert.deepEqual(await readdir(r.mount.upperDir), []);
    } finally {
      await r.mount.discard();
    }
  });

  it("refuses a rootfs that lacks a mount point, rather than let runc make it in the layer", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const dir = join(fx.work, "bare");
    const mount = await mountStepRootfs(dir, fx.baseLowerDirs, []);
    try {
      await assert.rejects(runBuildStep({ root: fx.runtime.root, bundleDir: join(dir, "bundle"), rootfs: mount.rootfs, args: ["/bin/true"], env: [] }),
        (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /no mount point \/dev/.test(e.message));
    } finally {
      await mount.discard();
    }
    await assertNothingLeft(fx);
  });

  it("an abort kills the step's processes, deletes the container and lets the rootfs unmount", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const marker = `${400 + Math.floor(Math.random() * 500)}.25`;
    const ac = new AbortController();
    let started = false;
    const begun = Date.now();
    const step = sh(fx, `trap '' TERM; echo started; /bin/busybox sleep ${marker}`, {
      signal: ac.signal,
      onStdout: (c) => {
        if (c.toString().includes("started")) started = true;
      },
    });
    const settled = step.then(() => "resolved", (e: unknown) => e);
    for (let i = 0; i < 300 && !started; i++) await sleep(100);
    assert.ok(started, "the step started");
    assert.ok((await pidsWithCommandLine(`sleep ${marker}`)).length > 0, "the step's sleep runs");
    ac.abort();
    const outcome = await settled;
    assert.ok(outcome instanceof Error && outcome.name === "AbortError", `rejected with the abort: ${String(outcome)}`);
    assert.ok(Date.now() - begun < 20_000, "stopped promptly");
    assert.deepEqual(await pidsWithCommandLine(`sleep ${marker}`), [], "no process of the step is left");
    await assertNothingLeft(fx);
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(sh(fx, "true", { signal: pre.signal }), { name: "AbortError" });
    await assertNothingLeft(fx);
  });

  it("leaves no cgroup behind, even when a process from outside holds the step's (runc run gives up on those, exit 0)", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    // A host process outside the step's pid namespace: the step's end does not end it.
    const intruder = spawn("/bin/sleep", ["120"], { stdio: "ignore" });
    const intruderEnded = new Promise((resolve) => intruder.once("exit", resolve));
    t.after(() => void intruder.kill("SIGKILL"));
    let joined: Promise<string[]> | undefined;
    const holdStepCgroups = async (): Promise<string[]> => {
      const state = join(fx.runtime.root, "runc");
      const ids = await readdir(state);
      assert.equal(ids.length, 1, `runc state of one step, not ${ids.join(", ")}`);
      const { init_process_pid: pid } = JSON.parse(await readFile(join(state, ids[0]!, "state.json"), "utf8")) as { init_process_pid: number };
      const dirs = await Promise.all(["pids", "memory", "cpu"].map(async (c) => (await cgroupDir(pid, c)).dir));
      for (const d of dirs) await writeFile(join(d, "cgroup.procs"), String(intruder.pid));
      return dirs;
    };
    const r = await sh(fx, "echo ready; /bin/busybox sleep 2", { onStdout: () => void (joined ??= holdStepCgroups()) });
    await r.mount.discard();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(joined, "the step printed nothing");
    const dirs = await joined;
    for (const d of dirs) await assert.rejects(access(d), { code: "ENOENT" }, `${d} is still there after the step`);
    await waitFor("the process left in the step's cgroup to be killed", () => Promise.race([intruderEnded.then(() => true), sleep(100).then(() => false)]));
    await assertNothingLeft(fx);
  });

  it("an output callback that throws: the step still ends and is cleaned up, then its error is thrown", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const boom = new Error("renderer broke");
    await assert.rejects(sh(fx, "echo one; echo two; exit 0", { onStdout: () => { throw boom; } }), (e: unknown) => e === boom);
    await assertNothingLeft(fx);
  });

  it("a failing command leaves no mount, container or step directory once the caller discards it", async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const r = await sh(fx, "echo partial > /tmp/p; exit 42");
    assert.equal(r.exitCode, 42);
    assert.ok((await lstat(join(r.mount.upperDir, "tmp", "p"))).isFile(), "upper kept until discarded");
    await r.mount.discard();
    await assert.rejects(lstat(r.mount.dir), { code: "ENOENT" });
    await assertNothingLeft(fx);
  });
});
