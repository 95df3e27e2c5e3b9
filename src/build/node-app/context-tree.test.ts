import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ContextFilter } from "./context-filter.js";
import { readContextTree } from "./context-tree.js";
import { IgnoreRules } from "./ignore-rules.js";

describe("readContextTree with a ContextFilter", () => {
  let dir = "";
  const files: Record<string, string> = {
    "server.js": "s", "run.sh": "#!/bin/sh", ".env": "SECRET=1", ".env.example": "SECRET=", "config/.env.production": "P=1",
    "certs/ca.pem": "ca", "certs/key.pem": "key", id_rsa: "k", "id_rsa.pub": "p", "node_modules/x/index.js": "x",
    "lib/node_modules/y.js": "y", "lib/a.js": "a", ".git/HEAD": "ref", "debug.log": "l", "docs/keep.md": "k", "docs/drop.md": "d",
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-ctx-"));
    for (const [p, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, p)), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    await chmod(join(dir, "run.sh"), 0o700);
    await symlink("/etc/passwd", join(dir, "passwd-link"));
    await symlink("../../../outside", join(dir, "lib/escape"));
    await symlink("a.js", join(dir, "lib/inside"));
    spawnSync("mkfifo", [join(dir, "pipe")]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const rules = "*.log\ndocs\n!docs/keep.md\n!.env.example\n!certs/ca.pem\n!lib\n";

  it("takes the app, leaves secrets, node_modules and .git out unless a ! line names them", async () => {
    const filter = new ContextFilter(IgnoreRules.parse(rules, "dockerignore", ".dockerignore"), ".dockerignore");
    const tree = await readContextTree(dir, "app", filter);
    const paths = tree.entries.map((e) => e.path);
    assert.deepEqual(paths, [
      "app", "app/.env.example", "app/certs", "app/certs/ca.pem", "app/config", "app/docs", "app/docs/keep.md",
      "app/lib", "app/lib/a.js", "app/lib/escape", "app/lib/inside", "app/passwd-link", "app/run.sh", "app/server.js",
    ]);
  });

  it("keeps symlinks as links with their targets, never followed, wherever they point", async () => {
    const tree = await readContextTree(dir, "app", new ContextFilter(IgnoreRules.empty));
    const byPath = new Map(tree.entries.map((e) => [e.path, e]));
    assert.deepEqual([byPath.get("app/passwd-link")?.type, byPath.get("app/passwd-link")?.linkname], ["symlink", "/etc/passwd"]);
    assert.equal(byPath.get("app/passwd-link")?.data, undefined);
    assert.equal(byPath.get("app/lib/escape")?.linkname, "../../../outside");
    assert.equal(byPath.get("app/lib/inside")?.linkname, "a.js");
  });

  it("normalises owners and modes; FIFOs are left out and named", async () => {
    const tree = await readContextTree(dir, "app", new ContextFilter(IgnoreRules.empty));
    const byPath = new Map(tree.entries.map((e) => [e.path, e]));
    assert.equal(byPath.get("app/run.sh")?.mode, 0o755);
    assert.equal(byPath.get("app/server.js")?.mode, 0o644);
    assert.equal(byPath.get("app/lib")?.mode, 0o755);
    assert.ok(tree.entries.every((e) => e.uid === 0 && e.gid === 0));
    if (spawnSync("test", ["-p", join(dir, "pipe")]).status === 0) assert.deepEqual(tree.skipped, ["pipe"]);
    assert.ok(!byPath.has("app/.env") && !byPath.has("app/.git") && !byPath.has("app/node_modules") && !byPath.has("app/id_rsa"));
    assert.ok(byPath.has("app/lib/node_modules") === false, "nested node_modules too");
  });

  it("a ! line can bring back a nested node_modules or .env, never the top node_modules", async () => {
    const filter = new ContextFilter(IgnoreRules.parse("!lib/node_modules\n!config/.env.production\n!node_modules\n", "dockerignore", "d"));
    const paths = (await readContextTree(dir, "app", filter)).entries.map((e) => e.path);
    assert.ok(paths.includes("app/lib/node_modules/y.js"));
    assert.ok(paths.includes("app/config/.env.production"));
    assert.ok(!paths.some((p) => p.startsWith("app/node_modules")));
  });

  it("ContextFilter.load prefers .dockerignore over .gitignore", async () => {
    await writeFile(join(dir, ".gitignore"), "lib/\n");
    assert.equal((await ContextFilter.load(dir)).source, ".gitignore");
    assert.equal((await ContextFilter.load(dir)).isIncluded("lib/a.js", false), false);
    await writeFile(join(dir, ".dockerignore"), "server.js\n");
    const f = await ContextFilter.load(dir);
    assert.equal(f.source, ".dockerignore");
    assert.equal(f.isIncluded("lib/a.js", false), true);
    assert.equal(f.isIncluded("server.js", false), false);
  });
});
