import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildNodeApp, type BuiltNodeApp } from "../../../../src/build/node-app/index.js";
import { ImageStore, openImage } from "../../../../src/image/index.js";
import { BERTH_BIN } from "../../../support/berth-server.js";
import { freePort } from "../../../support/free-port.js";
import { describeResult, run, type RunResult } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { containersUnsupported } from "../../runtime/runtime-fixture.js";
import { networkingUnsupported } from "../../runtime/network/network-fixture.js";
import { BUILD_CACHE, imageFiles } from "../base-fixture.js";
import { copyExample, fetchWhenUp, randomSubnet, requireBuildPrerequisites } from "./node-app-fixture.js";

const layerDigests = async (store: ImageStore, b: BuiltNodeApp): Promise<string[]> => (await openImage(store.content, b.descriptor)).layers.map((l) => l.digest);
const ms = (b: BuiltNodeApp): number => b.steps.reduce((n, s) => n + s.ms, 0);

// The zero-config Node.js builder end to end: Debian's nodejs base (built once
// from the shared .deb cache), npm ci from the npm registry, the app layer, then
// the image run by berth and fetched over HTTP from the host.
describe("berth build: a Node.js project without a Dockerfile", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`));
  });
  const temp = async (prefix: string): Promise<TempDir> => {
    const t = await tempDir(prefix);
    cleanups.push(() => t.remove());
    return t;
  };
  const berth = (root: string, args: readonly string[]): Promise<RunResult> => run(process.execPath, [BERTH_BIN, "--root", root, ...args], { timeoutMs: 90_000 });

  it("builds examples/node-app; a rebuild after a one-line change keeps base and dependency layers; the container answers HTTP", async (t) => {
    if (!(await requireBuildPrerequisites(t))) return;
    const tmp = await temp("berth-nab-");
    const ctx = join(tmp.path, "app");
    await copyExample(ctx);
    await writeFile(join(ctx, ".env"), "SECRET=do-not-ship\n");
    const root = join(tmp.path, "root");
    const store = new ImageStore(root);
    const opts = { cacheDir: BUILD_CACHE, reference: "localhost/test/node-app:1", expose: ["8080"] };

    const cold = await buildNodeApp(store, ctx, opts);
    const view = await openImage(store.content, cold.descriptor);
    const c = view.config.config!;
    assert.deepEqual([c.Entrypoint, c.Cmd, c.User, c.WorkingDir], [["/usr/bin/node"], ["/app/server.js"], "65532:65532", "/app"]);
    assert.ok(c.Env?.includes("NODE_ENV=production") && c.Env.some((e) => e.startsWith("PATH=")), String(c.Env));
    assert.deepEqual(c.ExposedPorts, { "8080/tcp": {} });
    assert.equal(c.Labels?.["org.opencontainers.image.created"], view.config.created);
    const files = await imageFiles(store, cold.descriptor);
    for (const p of ["app/server.js", "app/lib/greeting.js", "app/package.json", "app/node_modules/ms/package.json", "app/node_modules/mime-db/db.json", "usr/bin/node"]) assert.ok(files.has(p), p);
    for (const p of ["app/.env", "app/README.md", "bin/sh"]) assert.ok(!files.has(p), `${p} left out`);

    const same = await buildNodeApp(store, ctx, opts);
    assert.equal(same.descriptor.digest, cold.descriptor.digest, "an unchanged project rebuilds to the same digest");
    assert.deepEqual(same.steps.map((s) => [s.name, s.isCached]), [["base", true], ["dependencies", true], ["app", false], ["image", false]]);

    const greeting = join(ctx, "lib", "greeting.js");
    await writeFile(greeting, (await readFile(greeting, "utf8")).replace("Hello", "Howdy"));
    const warm = await buildNodeApp(store, ctx, opts);
    const [before, later] = [await layerDigests(store, cold), await layerDigests(store, warm)];
    t.diagnostic(`cold build ${ms(cold)} ms (${cold.steps.map((s) => `${s.name} ${s.isCached ? "cached" : `${s.ms} ms`}`).join(", ")}); warm rebuild after a one-line change ${ms(warm)} ms`);
    assert.equal(later.length, before.length);
    assert.deepEqual(later.slice(0, -1), before.slice(0, -1), "base and dependency layers identical");
    assert.notEqual(later.at(-1), before.at(-1), "the app layer differs");
    assert.ok(ms(warm) < ms(cold), `warm ${ms(warm)} ms < cold ${ms(cold)} ms`);

    const why = (await containersUnsupported()) ?? (await networkingUnsupported());
    if (why) return t.skip(`built; running it ${why}`);
    const net = `nab${randomBytes(3).toString("hex")}`;
    const subnet = await randomSubnet();
    const created = await berth(root, ["network", "create", "--subnet", subnet, net]);
    assert.equal(created.code, 0, describeResult(created));
    cleanups.push(() => berth(root, ["network", "rm", net]));
    const port = await freePort();
    const name = `web${randomBytes(3).toString("hex")}`;
    cleanups.push(() => berth(root, ["rm", "-f", name]));
    const started = await berth(root, ["run", "-d", "--name", name, "--network", net, "-p", `127.0.0.1:${port}:8080`, "localhost/test/node-app:1"]);
    assert.equal(started.code, 0, describeResult(started));
    const body = await fetchWhenUp(`http://127.0.0.1:${port}/?name=berth`, 30_000).catch(async (e: unknown) => {
      const logs = await berth(root, ["logs", name]);
      throw new Error(`${(e as Error).message}; container logs: ${logs.stdout}${logs.stderr}`, { cause: e });
    });
    assert.match(body, /<p>Howdy, berth! \(node v\d+\.\d+\.\d+, up /);
    assert.equal(await fetchWhenUp(`http://127.0.0.1:${port}/files/x.css`, 5_000), "x.css: text/css\n", "mime-types from node_modules works");
    const removed = await berth(root, ["rm", "-f", name]);
    assert.equal(removed.code, 0, describeResult(removed));
  });

  it("stores a context symlink to /etc/passwd as a symlink, never the host file", async (t) => {
    if (!(await requireBuildPrerequisites(t, { npm: false }))) return;
    const tmp = await temp("berth-nal-");
    const ctx = join(tmp.path, "app");
    await mkdir(join(ctx, "lib"), { recursive: true });
    await writeFile(join(ctx, "package.json"), JSON.stringify({ name: "links", scripts: { start: "node main.js" } }));
    await writeFile(join(ctx, "main.js"), "console.log(require('fs').readlinkSync('/app/passwd'))\n");
    await symlink("/etc/passwd", join(ctx, "passwd"));
    await symlink("../../../../etc/shadow", join(ctx, "lib", "climb"));
    const root = join(tmp.path, "root");
    const store = new ImageStore(root);
    const built = await buildNodeApp(store, ctx, { cacheDir: BUILD_CACHE });
    assert.equal(built.name, "localhost/links:latest");
    assert.equal(built.dependencies, undefined, "no dependencies, no lockfile: no layer");
    assert.deepEqual(built.command.cmd, ["/app/main.js"]);
    const files = await imageFiles(store, built.descriptor);
    const link = files.get("app/passwd");
    assert.deepEqual([link?.type, link?.linkname, link?.data?.length ?? 0], ["symlink", "/etc/passwd", 0]);
    assert.deepEqual([files.get("app/lib/climb")?.type, files.get("app/lib/climb")?.linkname], ["symlink", "../../../../etc/shadow"]);
    const hostPasswd = await readFile("/etc/passwd");
    const appLayer = await store.content.readBytes(built.app.descriptor.digest);
    assert.ok(!appLayer.includes(hostPasswd.subarray(0, 64)), "the host's /etc/passwd is not in the layer");

    const why = await containersUnsupported();
    if (why) return t.skip(`built; running it ${why}`);
    const r = await berth(root, ["run", "--rm", "--network", "none", "localhost/links:latest", "-e", "process.stdout.write(require('fs').readFileSync('/app/passwd', 'utf8'))"]);
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /^nonroot:x:65532:65532:/m, "the link resolves inside the image");
  });
});
