// The launcher (bin/berth.cjs) on a copy of this checkout's build: it picks a command's own bundle
// from commands.json, writes a bundle's used-cache after the first successful run of one of its
// commands (never after help, the version or a failure), and runs whatever state those files are in.
import assert from "node:assert/strict";
import { access, cp, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { createServer } from "node:http";
import { daemonPaths } from "../../../src/api/index.js";
import { encodeFrame, FRAME_CONTENT_TYPE, FRAME_MESSAGE, FRAME_STDOUT } from "../../../src/api/frame-stream.js";
import { makeTextLayout } from "../../fixtures/make-image.js";
import { berth as repoBerth, startBerthRegistry } from "../../support/berth-server.js";
import { assertSucceeded, describeResult, run, type RunResult } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

describe("bin/berth.cjs", () => {
  let tmp: TempDir;
  let install = "";
  let root = "";
  const bundle = (): string => join(install, "dist", "bundle");
  const usedCaches = async (): Promise<string[]> => (await readdir(bundle())).filter((f) => f.endsWith(".used-cache")).sort();
  const berth = (...args: string[]): Promise<RunResult> =>
    run(join(install, "bin", "berth.cjs"), args, { env: { ...process.env, BERTH_CODE_CACHE: "" }, timeoutMs: 60_000 });

  before(async () => {
    tmp = await tempDir("berth-launcher-");
    install = join(tmp.path, "install");
    root = join(tmp.path, "root");
    // What an install holds: the launchers, the bundles (command-word.cjs, which the launcher reads
    // first, with them), the package file (the version), and the dependencies a bundle leaves out
    // (better-sqlite3).
    await mkdir(install, { recursive: true });
    await cp(join(REPO, "bin"), join(install, "bin"), { recursive: true });
    await cp(join(REPO, "dist", "bundle"), bundle(), { recursive: true, filter: (src) => !/\.(used-cache|path)$/.test(src) });
    await cp(join(REPO, "package.json"), join(install, "package.json"));
    await symlink(join(REPO, "node_modules"), join(install, "node_modules"));
  });
  after(async () => tmp?.remove());

  it("leaves --env-file to berth: Node 20 would take it as its own anywhere in its argv, but the shebang ends Node's options", async () => {
    const missing = join(tmp.path, "no-such.env");
    const r = await berth("--root", root, "run", "--env-file", missing, "--pull", "never", "localhost/no-such:image", "true");
    assert.equal(r.code, 125, describeResult(r));
    assert.doesNotMatch(r.stderr, /^node:/m, "Node read the env file itself");
    assert.match(r.stderr, /^berth: --env-file .*no-such\.env: cannot read/m, describeResult(r));
  });

  it("writes no used-cache after the version, help or a failed command", async () => {
    const version = await berth("--version");
    assert.equal(version.code, 0, describeResult(version));
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    for (const args of [["images", "--help"], ["volume", "inspect", "--help"]]) {
      const r = await berth(...args);
      assert.equal(r.code, 0, describeResult(r));
    }
    const failed = await berth("--root", root, "volume", "inspect", "no-such-volume");
    assert.notEqual(failed.code, 0, describeResult(failed));
    assert.deepEqual(await usedCaches(), []);
  });

  it("writes the used-cache of a command's bundle after its first success, and runs from it", async () => {
    const first = await berth("--root", root, "images");
    assert.equal(first.code, 0, describeResult(first));
    assert.deepEqual(await usedCaches(), ["berth-image-commands.cjs.used-cache"]);
    const again = await berth("--root", root, "images", "--quiet");
    assert.equal(again.code, 0, describeResult(again));
    assert.equal(again.stdout, "");
  });

  it("keeps a cache per path a command names: a build run here is path `local`", async () => {
    const ctx = join(tmp.path, "ctx");
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, "Dockerfile"), "FROM scratch\nCOPY f /f\n");
    await writeFile(join(ctx, "f"), "f\n");
    const build = await berth("--root", root, "build", "-q", "-t", "localhost/launcher:1", ctx);
    assert.equal(build.code, 0, describeResult(build));
    assert.ok((await usedCaches()).includes("berth-build-command.cjs.local.used-cache"), (await usedCaches()).join(", "));
    assert.equal(await readFile(join(bundle(), "berth-build-command.cjs.path"), "utf8"), "local");
    const again = await berth("--root", root, "build", "-q", "-t", "localhost/launcher:1", ctx);
    assert.equal(again.code, 0, describeResult(again));
    assert.equal(again.stdout, build.stdout);
  });

  it("runs with a used-cache that is garbage (V8 rejects it) and leaves it alone", async () => {
    await writeFile(join(bundle(), "berth-volume-commands.cjs.used-cache"), "not a code cache");
    const r = await berth("--root", root, "volume", "ls");
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /DRIVER/);
  });

  it("runs the same way as `node bin/berth.js`, the ES module shim", async () => {
    const r = await run(process.execPath, [join(install, "bin", "berth.js"), "--root", root, "images", "--quiet"], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, describeResult(r));
    assert.equal(r.stdout, (await berth("--root", root, "images", "--quiet")).stdout);
    const help = await run(process.execPath, [join(install, "bin", "berth.js"), "--help"], { timeoutMs: 60_000 });
    assert.equal(help.code, 0, describeResult(help));
    assert.match(help.stdout, /Usage: berth/);
  });

  it("runs `run` from its client bundle when a daemon answers, and from the whole command when the client cannot", async (t) => {
    // The daemon here is a stand-in answering one attached run (the real one needs root: the run
    // tests cover it); what is tested is which bundle runs.
    const clientRoot = join(tmp.path, "client-root");
    const { dir, socket } = daemonPaths(clientRoot);
    await mkdir(dir, { recursive: true });
    const message = (m: unknown): Buffer => encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify(m)));
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE });
      res.end(Buffer.concat([message({ id: "c".repeat(64) }), encodeFrame(FRAME_STDOUT, Buffer.from("from the daemon\n")), message({ exitCode: 0 })]));
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    t.after(() => new Promise((resolve) => server.close(resolve)));
    const r = await berth("--root", clientRoot, "run", "--rm", "some/image", "true");
    assert.equal(r.code, 0, describeResult(r));
    assert.equal(r.stdout, "from the daemon\n");
    assert.ok((await usedCaches()).includes("berth-run-client.cjs.used-cache"), "the client's used-cache is written");
    assert.ok(!(await usedCaches()).includes("berth-run-command.cjs.used-cache"), "the whole command did not run");
    // Help and usage errors are the whole command's to print.
    const help = await berth("--root", clientRoot, "run", "--help");
    assert.equal(help.code, 0, describeResult(help));
    assert.match(help.stdout, /Usage: berth run \[options\] <image> \[command\.\.\.\]/);
    const usage = await berth("--root", clientRoot, "run", "--no-such-flag", "some/image");
    assert.equal(usage.code, 125, describeResult(usage));
    assert.match(usage.stderr, /unknown option '--no-such-flag'/);
  });

  it("runs `copy` between registries from its client bundle, and any other copy from the whole command", async (t) => {
    const reg = await startBerthRegistry({ root: join(tmp.path, "registry") });
    t.after(() => reg.stop());
    // Seeded with this checkout's own berth, so that the install under test runs nothing yet.
    const layout = join(tmp.path, "layout");
    const fixture = await makeTextLayout(layout, "v1");
    assertSucceeded(await repoBerth(["--root", join(tmp.path, "seed-root"), "copy", "--quiet", `oci:${layout}:v1`, `${reg.host}/launcher/a:1`]));
    const copied = await berth("--root", root, "copy", "--quiet", `${reg.host}/launcher/a:1`, `${reg.host}/launcher/b:1`);
    assert.equal(copied.code, 0, describeResult(copied));
    assert.equal(copied.stdout, `${reg.host}/launcher/b:1: ${fixture.manifest.digest}\n`);
    assert.ok((await usedCaches()).includes("berth-copy-client.cjs.used-cache"), "the client's used-cache is written");
    assert.ok(!(await usedCaches()).includes("berth-transfer-commands.cjs.used-cache"), "the whole command did not run");
    // A failure is the client's to print, as the whole command would, with its exit code.
    const missing = await berth("--root", root, "copy", "--quiet", `${reg.host}/no/such:1`, `${reg.host}/launcher/c:1`);
    assert.equal(missing.code, 3, describeResult(missing));
    assert.match(missing.stderr, /^berth: .*no\/such.*\n/);
    assert.ok(!(await usedCaches()).includes("berth-transfer-commands.cjs.used-cache"), "the whole command did not run for the failure");
    // An OCI layout on either side is the whole command's.
    const out = join(tmp.path, "layout-out");
    const toLayout = await berth("--root", root, "copy", "--quiet", `${reg.host}/launcher/b:1`, `oci:${out}:v1`);
    assert.equal(toLayout.code, 0, describeResult(toLayout));
    assert.ok((await usedCaches()).includes("berth-transfer-commands.cjs.used-cache"), "the whole command ran");
    assert.match(await readFile(join(out, "index.json"), "utf8"), new RegExp(fixture.manifest.digest));
    // Help and usage errors too.
    const help = await berth("copy", "--help");
    assert.equal(help.code, 0, describeResult(help));
    assert.match(help.stdout, /Usage: berth copy \[options\] <source> <destination>/);
    const usage = await berth("copy", "--concurrency", "0", "a", "b");
    assert.equal(usage.code, 2, describeResult(usage));
    assert.match(usage.stderr, /--concurrency: "0" is not a number from 1 to 64/);
  });

  it("runs every command from the whole bundle when commands.json is gone", async () => {
    await rm(join(bundle(), "commands.json"));
    const r = await berth("--root", root, "images");
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /REPOSITORY/);
    await assert.rejects(access(join(bundle(), "berth.cjs.used-cache")), "the whole bundle gets no used-cache");
  });
});
