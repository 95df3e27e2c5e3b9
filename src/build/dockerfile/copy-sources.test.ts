import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CopySourceNotFoundError, InvalidCopySourceError, NoSourceFilesError } from "./copy-errors.js";
import { resolveCopySources, type CopyItem, type CopySourcesRequest } from "./copy-sources.js";
import { downloadDirPrefix } from "./stale-steps.js";

const names = (items: readonly CopyItem[]): string[] => items.map((i) => (i.kind === "path" ? i.source : i.kind === "url" ? i.download.url : `<<${i.name}`));

describe("resolveCopySources", () => {
  let top = "";
  let ctx = "";
  let server: Server;
  let url = "";
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "berth-srcs-"));
    ctx = join(top, "ctx");
    for (const p of ["b.txt", "a.txt", "d1/x", "d1/in/x", "d2/x", "[x].txt", "c*.txt", "deep/a/b/c/d.txt"]) {
      await mkdir(join(ctx, p, ".."), { recursive: true });
      await writeFile(join(ctx, p), p);
    }
    await symlink("/nowhere", join(ctx, "dangling.lnk"));
    server = createServer((_req, res) => res.writeHead(200, { "content-length": "5" }).end("body\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await rm(top, { recursive: true, force: true });
  });

  const req = (sources: string[], extra: Partial<CopySourcesRequest> = {}): CopySourcesRequest => ({ kind: "COPY", source: { kind: "context", dir: ctx }, sources, tmpDir: top, ...extra });

  it("matches wildcards in walk order, each match one source, plain paths as given", async () => {
    await using r = await resolveCopySources(req(["*.txt", "d?/x", "[[]x].txt", "b.txt", "*/x"]));
    assert.deepEqual(names(r.items), ["[x].txt", "a.txt", "b.txt", "c*.txt", "d1/x", "d2/x", "[x].txt", "b.txt", "d1/x", "d2/x"]);
  });

  it("a wildcard that matches a dangling symlink fails, as docker's does", async () => {
    await assert.rejects(resolveCopySources(req(["d*.lnk"])), CopySourceNotFoundError);
  });

  it("finds matches at any depth the pattern names, and none below it", async () => {
    await using r = await resolveCopySources(req(["deep/*/*/*/*.txt", "deep/*"]));
    assert.deepEqual(names(r.items), ["deep/a/b/c/d.txt", "deep/a"]);
  });

  it("with nothing at all to copy says no source files were specified", async () => {
    await assert.rejects(resolveCopySources(req(["*.nomatch", "nothing[0-9]"])), NoSourceFilesError);
  });

  it("a wildcard that matches nothing is fine beside a source that exists", async () => {
    await using r = await resolveCopySources(req(["*.nomatch", "a.txt"]));
    assert.deepEqual(names(r.items), ["a.txt"]);
  });

  it("takes heredocs after the paths, with the time given", async () => {
    await using r = await resolveCopySources(req(["a.txt"], { heredocs: [{ name: "run.sh", content: "echo hi\n" }], heredocTimeMs: 1_234_000 }));
    assert.deepEqual(names(r.items), ["a.txt", "<<run.sh"]);
    const h = r.items[1]!;
    assert.ok(h.kind === "heredoc" && h.content.toString() === "echo hi\n" && h.mtimeMs === 1_234_000);
  });

  it("a heredoc alone is a source", async () => {
    await using r = await resolveCopySources(req([], { heredocs: [{ name: "x", content: "" }] }));
    assert.equal(r.items.length, 1);
  });

  it("refuses a URL in COPY, and --checksum on anything but ADD of URLs", async () => {
    await assert.rejects(resolveCopySources(req([`${url}/f`])), InvalidCopySourceError);
    await assert.rejects(resolveCopySources(req(["a.txt"], { kind: "ADD", checksum: `sha256:${"0".repeat(64)}` })), InvalidCopySourceError);
    await assert.rejects(resolveCopySources(req([`${url}/f`], { kind: "ADD", checksum: "md5:abc" })), InvalidCopySourceError);
  });

  it("downloads ADD URLs into a temp dir that dispose removes", async () => {
    const r = await resolveCopySources(req([`${url}/dir/file.bin`, "a.txt"], { kind: "ADD" }));
    const item = r.items[0]!;
    assert.ok(item.kind === "url");
    assert.equal(item.download.name, "file.bin");
    assert.ok((await readdir(top)).some((n) => n.startsWith(downloadDirPrefix())));
    await r.dispose();
    assert.ok(!(await readdir(top)).some((n) => n.startsWith(downloadDirPrefix())));
  });

  it("removes its downloads when a later source fails", async () => {
    await assert.rejects(resolveCopySources(req([`${url}/f`, "missing"], { kind: "ADD" })), CopySourceNotFoundError);
    assert.ok(!(await readdir(top)).some((n) => n.startsWith(downloadDirPrefix())));
  });
});
