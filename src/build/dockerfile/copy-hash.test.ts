import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { chmod, chown, link, mkdir, mkdtemp, rm, symlink, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hashCopySources } from "./copy-hash.js";
import { resolveCopySources, type CopySourcesRequest } from "./copy-sources.js";
import type { SourceFilter } from "./copy-source-tree.js";

const isRoot = process.getuid?.() === 0;

describe("hashCopySources", () => {
  let top = "";
  let ctx = "";
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "berth-hash-"));
    ctx = join(top, "ctx");
    await mkdir(join(ctx, "dir/sub"), { recursive: true });
    await writeFile(join(ctx, "a.txt"), "a\n");
    await writeFile(join(ctx, "dir/f"), "f\n");
    await writeFile(join(ctx, "dir/sub/g"), "g\n");
    await symlink("../a.txt", join(ctx, "dir/rel"));
  });
  after(async () => rm(top, { recursive: true, force: true }));

  const req = (sources: string[], extra: Partial<CopySourcesRequest> = {}): CopySourcesRequest => ({ kind: "COPY", source: { kind: "context", dir: ctx }, sources, ...extra });
  const hash = (sources: string[] = ["."], extra: Partial<CopySourcesRequest> = {}): Promise<string> => hashCopySources(req(sources, extra));

  /** The hash before and after `change`, which `undo` reverts. */
  async function around(change: () => Promise<unknown>, undo: () => Promise<unknown>): Promise<[string, string]> {
    const before = await hash();
    await change();
    try {
      return [before, await hash()];
    } finally {
      await undo();
    }
  }

  it("is a sha256 digest, the same every time for the same files", async () => {
    const h = await hash();
    assert.match(h, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await hash(), h);
  });

  for (const [what, change, undo] of [
    ["a file's content", () => writeFile(join(ctx, "dir/f"), "F\n"), () => writeFile(join(ctx, "dir/f"), "f\n")],
    ["a file's mode", () => chmod(join(ctx, "dir/f"), 0o755), () => chmod(join(ctx, "dir/f"), 0o644)],
    ["a directory's mode", () => chmod(join(ctx, "dir/sub"), 0o700), () => chmod(join(ctx, "dir/sub"), 0o755)],
    ["a symlink's target", async () => (await unlink(join(ctx, "dir/rel")), symlink("../b.txt", join(ctx, "dir/rel"))), async () => (await unlink(join(ctx, "dir/rel")), symlink("../a.txt", join(ctx, "dir/rel")))],
    ["a new empty file", () => writeFile(join(ctx, "dir/new"), ""), () => unlink(join(ctx, "dir/new"))],
    ["a hard link instead of a copy", async () => (await unlink(join(ctx, "dir/sub/g")), link(join(ctx, "dir/f"), join(ctx, "dir/sub/g"))), async () => (await unlink(join(ctx, "dir/sub/g")), writeFile(join(ctx, "dir/sub/g"), "g\n"))],
  ] as const) {
    it(`changes with ${what}`, async () => {
      const [a, b] = await around(change, undo);
      assert.notEqual(a, b);
    });
  }

  it("does not change with mtimes, nor (for the context) with owners", async () => {
    const [a, b] = await around(() => utimes(join(ctx, "dir/f"), 1, 1), () => utimes(join(ctx, "dir/f"), Date.now() / 1000, Date.now() / 1000));
    assert.equal(a, b);
    if (!isRoot) return;
    const [c, d] = await around(() => chown(join(ctx, "dir/f"), 1234, 5678), () => chown(join(ctx, "dir/f"), 0, 0));
    assert.equal(c, d);
  });

  it("counts owners for COPY --from, which keeps them", async (t) => {
    if (!isRoot) return t.skip("needs root to chown");
    const from = (): Promise<string> => hashCopySources({ kind: "COPY", source: { kind: "rootfs", dir: ctx }, sources: ["/dir"] });
    const a = await from();
    await chown(join(ctx, "dir/f"), 1234, 5678);
    try {
      assert.notEqual(await from(), a);
    } finally {
      await chown(join(ctx, "dir/f"), 0, 0);
    }
  });

  it("depends on the source names (they name the copies), their order, heredocs and what .dockerignore leaves out", async () => {
    const seen = new Set([await hash(["a.txt"]), await hash(["dir/f"]), await hash(["a.txt", "dir"]), await hash(["dir", "a.txt"]),
      await hash(["a.txt"], { heredocs: [{ name: "x", content: "1" }] }), await hash(["a.txt"], { heredocs: [{ name: "x", content: "2" }] })]);
    assert.equal(seen.size, 6);
    const noRel: SourceFilter = { isIncluded: (p) => p !== "dir/rel", shouldDescend: () => false };
    assert.notEqual(await hash(["dir"], { source: { kind: "context", dir: ctx, filter: noRel } }), await hash(["dir"]));
  });

  it("takes sources resolved earlier without resolving again", async () => {
    await using resolved = await resolveCopySources(req(["."]));
    assert.equal(await hashCopySources(resolved), await hash());
  });

  it("hashes a 10 000-file context quickly, and a large file by streaming it", async () => {
    const big = join(top, "big");
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(big, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(big, `d${d}`, `f${f}.js`), `module.exports = ${d * 100 + f};\n`);
    }
    await writeFile(join(big, "large.bin"), Buffer.alloc(32 << 20, 7));
    const started = Date.now();
    const h = await hashCopySources({ kind: "COPY", source: { kind: "context", dir: big }, sources: ["."] });
    const took = Date.now() - started;
    assert.ok(took < 10_000, `took ${took} ms`);
    await writeFile(join(big, "large.bin"), Buffer.concat([Buffer.alloc((32 << 20) - 1, 7), Buffer.from([8])]));
    assert.notEqual(await hashCopySources({ kind: "COPY", source: { kind: "context", dir: big }, sources: ["."] }), h, "the last byte of the large file counts");
  });
});
