import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { buildDockerfile, type BuildDockerfileOptions, type BuiltDockerfileImage } from "../../../../src/build/index.js";
import { chainIds, flattenToDirectory, ImageStore, openImage, pull } from "../../../../src/image/index.js";
import { isBerthError } from "../../../../src/oci/index.js";
import { berth, BERTH_BIN } from "../../../support/berth-server.js";
import { isRoot, missingTools } from "../../../support/require-root.js";
import { describeResult } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { unmountUnder } from "../../../support/unmount.js";
import { makeBusyboxDockerArchive } from "../../../fixtures/make-image.js";
import { BASE } from "./parity-cases.js";
import { treeListing } from "./tree-listing.js";

const missing = missingTools(["runc", "skopeo"]);
const skip = !isRoot() ? "needs root (overlay mounts, runc)" : missing.length > 0 ? `missing ${missing.join(", ")} (scripts/setup.sh installs them)` : false;
if (skip) process.stdout.write(`# skipping Dockerfile build tests: ${skip}\n`);

/**
 * After a test that kills a build, passed or failed: the build killed, each
 * container in the root's runc state deleted (a RUN step's outlives its
 * build) and whatever is mounted under the root unmounted, so a failed
 * assertion leaves no process or mount behind.
 */
async function reap(child: ChildProcess, root: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  const runcRoot = join(root, "runc");
  const listed = await runcIdsUnder(root).catch(() => [] as string[]);
  for (const id of listed) await promisify(execFile)("runc", ["--root", runcRoot, "delete", "--force", id]).catch(() => undefined);
  await unmountUnder(root);
}

/** The root's runc containers, by id. */
const runcIdsUnder = async (root: string): Promise<string[]> =>
  (await promisify(execFile)("runc", ["--root", join(root, "runc"), "list", "--quiet"])).stdout.split("\n").filter((l) => l !== "");

/** The lines of /proc/mounts under `root`. */
const mountsUnder = async (root: string): Promise<string[]> => (await readFile("/proc/mounts", "utf8")).split("\n").filter((l) => l.includes(root));

/** A build's stderr as it comes, and the moment its RUN step printed "started" (60 s at most). */
function watchStepStart(child: ChildProcess): { readonly stderr: () => string; readonly started: Promise<void> } {
  let text = "";
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the step did not start in 60 s:\n${text}`)), 60_000);
    child.stderr?.on("data", (c: Buffer) => {
      text += c.toString();
      if (/ started\n/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { stderr: () => text, started };
}

const INSTALL = `RUN ["/bin/busybox", "--install", "-s", "/bin"]`;

/** What BuildKit-only features and berth's own rules do, where docker's legacy builder has nothing to compare with. */
describe("berth build with a Dockerfile: cache, errors, BuildKit features, trust", { skip, timeout: 600_000 }, () => {
  let tmp: TempDir;
  let store: ImageStore;
  let n = 0;

  before(async () => {
    tmp = await tempDir("bdb-");
    store = new ImageStore(join(tmp.path, "root"));
    const archive = join(tmp.path, "base.tar");
    await makeBusyboxDockerArchive(archive, BASE);
    await pull(store, `docker-archive:${archive}`);
  });
  after(async () => {
    if (tmp) {
      await unmountUnder(tmp.path);
      await tmp.remove();
    }
  });

  /** A context with `files` and this Dockerfile; returns its directory. */
  const context = async (dockerfile: string, files: Record<string, string> = {}): Promise<string> => {
    const dir = join(tmp.path, `ctx-${++n}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "Dockerfile"), dockerfile);
    for (const [p, text] of Object.entries(files)) {
      await mkdir(join(dir, p, ".."), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    return dir;
  };
  const build = async (dir: string, opts: BuildDockerfileOptions = {}): Promise<BuiltDockerfileImage & { log: string[] }> => {
    const log: string[] = [];
    const built = await buildDockerfile(store, dir, { tags: [`test/b${n}:latest`], ...opts, onProgress: (l) => log.push(l) });
    return { ...built, log };
  };
  const files = async (built: BuiltDockerfileImage): Promise<Map<string, string>> => {
    const view = await openImage(store.content, built.descriptor);
    const dest = join(tmp.path, `fs-${++n}`);
    await mkdir(dest);
    const top = chainIds(view.config.rootfs.diff_ids).at(-1);
    if (top !== undefined) await flattenToDirectory(await store.snapshots(), top, dest);
    return treeListing(dest);
  };
  const readIn = async (built: BuiltDockerfileImage, path: string): Promise<string> => {
    const view = await openImage(store.content, built.descriptor);
    const dest = join(tmp.path, `fs-${++n}`);
    await mkdir(dest);
    await flattenToDirectory(await store.snapshots(), chainIds(view.config.rootfs.diff_ids).at(-1)!, dest);
    return readFile(join(dest, path), "utf8");
  };

  it("caches steps: an unchanged rebuild is all CACHED with the same digest; a changed file reruns its COPY and what follows", async () => {
    const dir = await context(`FROM ${BASE}\n${INSTALL}\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy.txt\nCOPY b.txt /b.txt\n`, { "a.txt": "one\n", "b.txt": "b\n" });
    const first = await build(dir);
    assert.equal(first.steps.filter((s) => s.isCached).length, 0);
    const again = await build(dir);
    assert.deepEqual(again.steps.map((s) => s.isCached), [false, true, true, true, true], again.log.join("\n"));
    assert.equal(again.descriptor.digest, first.descriptor.digest, "a fully cached build writes the same image");
    await writeFile(join(dir, "b.txt"), "B\n");
    const onlyB = await build(dir);
    assert.deepEqual(onlyB.steps.map((s) => s.isCached), [false, true, true, true, false]);
    await writeFile(join(dir, "a.txt"), "two\n");
    const fromA = await build(dir);
    assert.deepEqual(fromA.steps.map((s) => s.isCached), [false, true, false, false, false]);
    assert.equal(await readIn(fromA, "copy.txt"), "two\n");
    const none = await build(dir, { noCache: true });
    assert.ok(none.steps.every((s) => !s.isCached), "--no-cache runs every step");
    const withArg = await build(await context(`FROM ${BASE}\nARG V=1\nRUN echo $V > /v\n`), { buildArgs: { V: "2" } });
    const otherArg = await build(await context(`FROM ${BASE}\nARG V=1\nRUN echo $V > /v\n`), { buildArgs: { V: "3" } });
    assert.equal(withArg.steps.at(-1)!.isCached, false);
    assert.equal(otherArg.steps.at(-1)!.isCached, false, "a different build arg value misses the RUN cache");
    assert.equal(await readIn(otherArg, "v"), "3\n");
  });

  it("errors name the Dockerfile line: a failing RUN (exit code, last output), a missing COPY source, an unknown stage or instruction", async () => {
    const failing = await context(`FROM ${BASE}\n${INSTALL}\nRUN echo first line && echo "the reason" >&2 && exit 3\n`);
    await assert.rejects(build(failing), (e: unknown) => isBerthError(e) && /Dockerfile:3: RUN .*exited with code 3/.test(e.message) && /the reason/.test(e.hint ?? ""));
    const noSource = await context(`FROM ${BASE}\n\nCOPY missing.txt /x\n`);
    await assert.rejects(build(noSource), (e: unknown) => isBerthError(e) && /Dockerfile:3: COPY missing\.txt \/x/.test(e.message) && e.code === "NOT_FOUND");
    const outside = await context(`FROM ${BASE}\nCOPY ../etc/passwd /x\n`);
    await assert.rejects(build(outside), (e: unknown) => isBerthError(e) && /Dockerfile:2: .*outside the build context/.test(e.message));
    const target = await context(`FROM ${BASE} AS one\nFROM one AS two\n`);
    await assert.rejects(build(target, { target: "three" }), (e: unknown) => isBerthError(e) && /three.*could not be found/.test(e.message) && /one, two/.test(e.hint ?? ""));
    const unknown = await context(`FROM ${BASE}\nRUNN echo\n`);
    await assert.rejects(build(unknown), (e: unknown) => isBerthError(e) && /Dockerfile:2: unknown instruction: RUNN/.test(e.message));
    const noBase = await context(`FROM localhost/nothing/here:1\n`);
    await assert.rejects(build(noBase), (e: unknown) => isBerthError(e) && /Dockerfile:1: base image localhost\/nothing\/here:1/.test(e.message));
  });

  it("skips stages the target does not need (a failing one among them), and runs ONBUILD triggers of the base", async () => {
    const dir = await context(`FROM ${BASE} AS broken\nRUN exit 1\nFROM ${BASE} AS base\nONBUILD RUN ["/bin/busybox", "touch", "/triggered"]\nFROM base\nRUN ["/bin/busybox", "ls", "/triggered"]\n`);
    const built = await build(dir);
    assert.ok(!built.log.some((l) => l.includes("[broken")), "the broken stage never ran");
    assert.ok(built.log.some((l) => /ONBUILD RUN/.test(l)));
    const view = await openImage(store.content, built.descriptor);
    assert.equal(view.config.config?.OnBuild, undefined, "triggers are not inherited");
    assert.ok((await files(built)).has("triggered"));
  });

  it("heredocs (RUN and COPY), COPY --chmod, exec-form RUN, SHELL and unused build-arg warnings", async () => {
    const dir = await context([
      `FROM ${BASE}`, INSTALL, "ENV WHO=world",
      "RUN <<EOF", "echo \"hello $WHO\" > /hello.txt", "mkdir -p /opt && echo 'two' > /opt/two", "EOF",
      "COPY <<CONF /etc/app.conf", "name=$WHO", "CONF",
      "COPY <<'RAW' /raw.txt", "keep $WHO", "RAW",
      "COPY --chmod=0751 tool.sh /tool.sh",
      `RUN ["/bin/sh", "-c", "echo exec > /exec.txt"]`,
      "SHELL [\"/bin/sh\", \"-ec\"]", "RUN echo $0 > /shell.txt",
      "",
    ].join("\n"), { "tool.sh": "#!/bin/sh\n" });
    const built = await build(dir, { buildArgs: { NOT_DECLARED: "x" } });
    assert.deepEqual(built.unusedBuildArgs, ["NOT_DECLARED"]);
    assert.equal(await readIn(built, "hello.txt"), "hello world\n");
    assert.equal(await readIn(built, "opt/two"), "two\n");
    assert.equal(await readIn(built, "etc/app.conf"), "name=world\n");
    assert.equal(await readIn(built, "raw.txt"), "keep $WHO\n");
    assert.equal(await readIn(built, "exec.txt"), "exec\n");
    assert.equal(await readIn(built, "shell.txt"), "/bin/sh\n");
    assert.match((await files(built)).get("tool.sh") ?? "", /^file 0751 0:0/);
  });

  it("RUN steps see the host's CA bundle and proxy settings, the image never holds them; --network none has no network", async () => {
    const ca = join(tmp.path, "proxy-ca.pem");
    await writeFile(ca, "-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n");
    const env = { ...process.env, SSL_CERT_FILE: ca, HTTPS_PROXY: "http://127.0.0.1:9" };
    const dir = await context(`FROM ${BASE}\n${INSTALL}\nRUN cat "$SSL_CERT_FILE" > /seen-ca && echo "$HTTPS_PROXY" > /seen-proxy && cat /proc/net/dev > /netdev\n`);
    const built = await build(dir, { env });
    assert.match(await readIn(built, "seen-ca"), /not a real one/);
    assert.equal(await readIn(built, "seen-proxy"), "http://127.0.0.1:9\n");
    const view = await openImage(store.content, built.descriptor);
    const imageEnv = (view.config.config?.Env ?? []).join(" ");
    assert.doesNotMatch(imageEnv, /SSL_CERT_FILE|PROXY/i, "step-only variables stay out of the config");
    const listing = await files(built);
    assert.ok(![...listing.keys()].some((p) => p.includes("berth-host-ca")), "the CA mount point is not in any layer");
    const isolated = await build(await context(`FROM ${BASE}\n${INSTALL}\nRUN cat /proc/net/dev > /netdev\n`), { env, network: "none" });
    const devices = (await readIn(isolated, "netdev")).split("\n").slice(2).filter((l) => l.trim() !== "").map((l) => l.split(":")[0]!.trim());
    assert.deepEqual(devices, ["lo"], "network none: loopback only");
  });

  it("COPY says which sockets and FIFOs it leaves out of a directory", async () => {
    const dir = await context(`FROM ${BASE}\nCOPY . /ctx/\n`, { "file.txt": "x\n" });
    await promisify(execFile)("mkfifo", [join(dir, "pipe")]);
    const built = await build(dir);
    assert.ok(built.log.some((l) => /warning: COPY \. \/ctx\/: left out 1 socket\(s\), FIFO\(s\) or device\(s\): pipe$/.test(l)), built.log.join("\n"));
  });

  it("berth build --output type=oci writes a layout skopeo reads; the CLI prints the digest on stdout", async () => {
    const dir = await context(`FROM ${BASE}\nLABEL made.by=berth\n`);
    const out = join(tmp.path, "image.tar");
    const r = await berth(["--root", store.root, "build", "-q", "-t", "test/out:1", "--output", `type=oci,dest=${out}`, dir]);
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
    const inspected = await promisify(execFile)("skopeo", ["inspect", "--config", `oci-archive:${out}`]);
    assert.equal((JSON.parse(inspected.stdout) as { config: { Labels: Record<string, string> } }).config.Labels["made.by"], "berth");
  });

  it("berth build exits 1 when a RUN fails or cannot start (naming the line), 2 for a bad Dockerfile", async () => {
    const failing = await context(`FROM ${BASE}\nRUN exit 3\n`);
    const r = await berth(["--root", store.root, "build", "-q", failing]);
    assert.equal(r.code, 1, describeResult(r));
    assert.match(r.stderr, /Dockerfile:2: RUN exit 3: exited with code 3/);
    const noProgram = await context(`FROM ${BASE}\nRUN ["/no/such/program"]\n`);
    const s = await berth(["--root", store.root, "build", "-q", noProgram]);
    assert.equal(s.code, 1, describeResult(s));
    assert.match(s.stderr, /Dockerfile:2: RUN \["\/no\/such\/program"\]: did not start: .*no such file/);
    const bad = await context(`FROM ${BASE}\nRUNN exit 3\n`);
    const b = await berth(["--root", store.root, "build", "-q", bad]);
    assert.equal(b.code, 2, describeResult(b));
  });

  it("berth build -f - reads the Dockerfile from stdin; the context's .dockerignore applies", async () => {
    const dir = await context(`FROM ${BASE}\nRUN exit 9\n`, { "keep.txt": "keep\n", "skip.txt": "skip\n", ".dockerignore": "skip.txt\n" });
    const r = await berth(["--root", store.root, "build", "-q", "-t", "test/stdin:1", "-f", "-", dir], { input: `FROM ${BASE}\nCOPY . /ctx/\n` });
    assert.equal(r.code, 0, describeResult(r));
    const dest = join(tmp.path, "stdin-fs");
    await mkdir(dest);
    const [rec] = await store.lookup("test/stdin:1");
    assert.ok(rec);
    await flattenToDirectory(await store.snapshots(), chainIds((await openImage(store.content, rec.target)).config.rootfs.diff_ids).at(-1)!, dest);
    assert.deepEqual((await readdir(join(dest, "ctx"))).sort(), [".dockerignore", "Dockerfile", "keep.txt"]);
  });

  it("berth build - takes the context as a tar on stdin (compressed too; -f names a file in it), or a lone Dockerfile", async () => {
    const dir = await context(`FROM ${BASE}\nCOPY . /ctx/\n`, { "keep.txt": "keep\n", "skip.txt": "skip\n", ".dockerignore": "skip.txt\n", "sub/Other.Dockerfile": `FROM ${BASE}\nCOPY keep.txt /other.txt\n` });
    const tgz = join(tmp.path, "ctx.tar.gz");
    await promisify(execFile)("tar", ["-C", dir, "-czf", tgz, "."]);
    const listing = async (name: string, sub: string): Promise<string[]> => {
      const dest = join(tmp.path, `fs-${name.replace(/\W/g, "-")}`);
      await mkdir(dest);
      const [rec] = await store.lookup(name);
      assert.ok(rec, name);
      await flattenToDirectory(await store.snapshots(), chainIds((await openImage(store.content, rec.target)).config.rootfs.diff_ids).at(-1)!, dest);
      return (await readdir(join(dest, sub))).sort();
    };
    const r = await berth(["--root", store.root, "build", "-q", "-t", "test/stdin-tar:1", "-"], { input: await readFile(tgz) });
    assert.equal(r.code, 0, describeResult(r));
    assert.deepEqual(await listing("test/stdin-tar:1", "ctx"), [".dockerignore", "Dockerfile", "keep.txt", "sub"]);
    const f = await berth(["--root", store.root, "build", "-q", "-t", "test/stdin-tar:2", "-f", "sub/Other.Dockerfile", "-"], { input: await readFile(tgz) });
    assert.equal(f.code, 0, describeResult(f));
    assert.ok((await listing("test/stdin-tar:2", "/")).includes("other.txt"));
    const lone = await berth(["--root", store.root, "build", "-q", "-"], { input: `FROM ${BASE}\nLABEL from=stdin\n` });
    assert.equal(lone.code, 0, describeResult(lone));
    const [rec] = await store.lookup("localhost/stdin:latest");
    assert.ok(rec, "a lone Dockerfile builds with an empty context, named after it");
    assert.equal((await openImage(store.content, rec.target)).config.config?.Labels?.from, "stdin");
  });

  it("berth build - streams stdin to a file as it comes; Ctrl-C while it reads removes that temp directory", async () => {
    const tmpdir = join(tmp.path, "tmpdir-stdin");
    await mkdir(tmpdir);
    const child = spawn(process.execPath, [BERTH_BIN, "--root", store.root, "build", "-"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TMPDIR: tmpdir } });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => void (stderr += c.toString()));
    try {
      // A tar's first block; stdin stays open, as while a large context is still coming.
      child.stdin.write(Buffer.alloc(4096));
      const saved = async (): Promise<number | undefined> => {
        const [dir] = await readdir(tmpdir);
        return dir === undefined ? undefined : (await stat(join(tmpdir, dir, "stdin.tar")).catch(() => undefined))?.size;
      };
      for (let i = 0; (await saved()) !== 4096; i++) {
        if (i >= 300) assert.fail(`stdin was not written to a file in 30 s (${String(await saved())} bytes):\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /build interrupted \(SIGINT\)/);
      assert.deepEqual(await readdir(tmpdir), [], "the temp directory is removed");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a build cleans up after one that was killed (kill -9) during a RUN: its container, mount and step directory (root reached through a symlink)", async () => {
    const dir = await context(`FROM ${BASE}\nRUN echo started && sleep 60\n`);
    // runc records a bundle's real path: the cleanup must match it though --root names a symlink.
    const linked = join(tmp.path, "root-link");
    await symlink(store.root, linked);
    const child = spawn(process.execPath, [BERTH_BIN, "--root", linked, "build", "--no-cache", "--progress", "plain", dir], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      await watchStepStart(child).started;
      child.kill("SIGKILL");
      await exited;
      const steps = join(store.root, "build-cache", "dockerfile-steps");
      assert.equal((await readdir(steps)).length, 1, "the killed build left its step directory");
      assert.equal((await mountsUnder(store.root)).length, 1, "and its overlay");
      assert.notDeepEqual(await runcIdsUnder(store.root), [], "and its running container");
      // A build that runs no step (nothing to RUN, COPY or ADD) cleans up too: the sweep is at its start, not its first step's.
      const next = await berth(["--root", linked, "build", "-q", await context(`FROM ${BASE}\nLABEL swept=yes\n`)]);
      assert.equal(next.code, 0, describeResult(next));
      assert.deepEqual(await readdir(steps), []);
      assert.deepEqual(await mountsUnder(store.root), []);
      assert.deepEqual(await runcIdsUnder(store.root), []);
    } finally {
      await reap(child, store.root);
    }
  });

  it("Ctrl-C during a RUN step kills its container and leaves no mount or step directory behind", async () => {
    const dir = await context(`FROM ${BASE}\nRUN echo started && sleep 60\n`);
    const child = spawn(process.execPath, [BERTH_BIN, "--root", store.root, "build", "--progress", "plain", dir], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const watch = watchStepStart(child);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      await watch.started;
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 1, watch.stderr());
      assert.match(watch.stderr(), /build interrupted \(SIGINT\)/);
      assert.deepEqual(await mountsUnder(store.root), [], "no overlay of the step is left mounted");
      assert.deepEqual(await readdir(join(store.root, "build-cache", "dockerfile-steps")), [], "the step directory is removed");
      assert.deepEqual(await runcIdsUnder(store.root), [], "the step's container is gone");
    } finally {
      await reap(child, store.root);
    }
  });
});
