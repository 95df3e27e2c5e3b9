import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { lstat, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { downloadUrl, isUrl, parseChecksum } from "./add-url.js";
import { AddChecksumError, AddDownloadError, InvalidCopySourceError } from "./copy-errors.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const BODY = "served\n";
const SHA256 = createHash("sha256").update(BODY).digest("hex");

describe("downloadUrl", () => {
  let dir = "";
  let origin: { server: Server; url: string };
  let proxy: { server: Server; url: string };
  const proxied: string[] = [];
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-addurl-"));
    origin = await serve((req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const ok = (headers: Record<string, string> = {}): void => void res.writeHead(200, { "content-length": String(BODY.length), ...headers }).end(BODY);
      if (path === "/file.txt") ok({ "last-modified": "Tue, 03 Apr 2018 10:20:30 GMT" });
      else if (path === "/dir/") ok({ "content-disposition": 'attachment; filename="../../etc/from-cd.txt"' });
      else if (path === "/star/") ok({ "content-disposition": "attachment; filename=plain.txt; filename*=UTF-8''%C3%BCn%C3%AF.txt" });
      else if (path === "/bare/") ok();
      else if (path.startsWith("/hop/")) {
        const left = Number(path.slice(5));
        res.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : "/file.txt" }).end();
      } else res.writeHead(404).end();
    });
    proxy = await serve((req, res) => {
      proxied.push(req.url ?? "");
      res.writeHead(200, { "content-length": "8" }).end("proxied\n");
    });
  });
  after(async () => {
    await Promise.all([origin, proxy].map(({ server }) => new Promise((r) => server.close(r))));
    await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string, opts: Parameters<typeof downloadUrl>[2] = {}, checksum?: string): ReturnType<typeof downloadUrl> =>
    downloadUrl(`${origin.url}${path}`, join(dir, `f${++n}`), { env: {}, ...opts }, checksum);

  it("names the file after the URL's last path segment, keeps Last-Modified, writes it 0600", async () => {
    const d = await get("/file.txt?x=/y");
    assert.equal(d.name, "file.txt");
    assert.equal(d.mtimeMs, Date.parse("2018-04-03T10:20:30Z"));
    assert.equal(d.digest, `sha256:${SHA256}`);
    assert.equal(d.size, BODY.length);
    assert.equal(await readFile(d.file, "utf8"), BODY);
    assert.equal((await lstat(d.file)).mode & 0o777, 0o600);
  });

  it("names it from Content-Disposition when the path ends in /, only its last component; filename* wins", async () => {
    assert.equal((await get("/dir/")).name, "from-cd.txt");
    assert.equal((await get("/star/")).name, "ünï.txt");
    const bare = await get("/bare/");
    assert.equal(bare.name, undefined);
    assert.equal(bare.mtimeMs, 0, "no Last-Modified: 1970, as docker");
  });

  it("follows up to 10 redirects, naming the file after the URL asked for", async () => {
    assert.equal((await get("/hop/9")).name, "9");
    await assert.rejects(get("/hop/10"), (e: Error) => e instanceof AddDownloadError && /more than 10 redirects/.test(e.message));
  });

  it("fails naming the URL on an error status or a refused connection", async () => {
    await assert.rejects(get("/missing"), (e: Error) => e instanceof AddDownloadError && /HTTP 404/.test(e.message) && e.message.includes("/missing"));
    await assert.rejects(downloadUrl("http://127.0.0.1:1/x", join(dir, "refused"), { env: {} }), AddDownloadError);
    await assert.rejects(downloadUrl("ftp://127.0.0.1/x", join(dir, "ftp"), { env: {} }), AddDownloadError);
  });

  it("checks --checksum (sha256 or sha512) and refuses a malformed one", async () => {
    await get("/file.txt", {}, `sha256:${SHA256}`);
    await get("/file.txt", {}, `sha512:${createHash("sha512").update(BODY).digest("hex")}`);
    await assert.rejects(get("/file.txt", {}, `sha256:${"0".repeat(64)}`), AddChecksumError);
    assert.throws(() => parseChecksum("sha256:abc"), InvalidCopySourceError);
    assert.throws(() => parseChecksum(`SHA256:${SHA256}`), InvalidCopySourceError);
  });

  it("goes through HTTP_PROXY with the absolute URL, unless NO_PROXY names the host", async () => {
    const viaProxy = await get("/file.txt", { env: { HTTP_PROXY: proxy.url } });
    assert.equal(await readFile(viaProxy.file, "utf8"), "proxied\n");
    assert.equal(proxied.at(-1), `${origin.url}/file.txt`);
    const direct = await get("/file.txt", { env: { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" } });
    assert.equal(await readFile(direct.file, "utf8"), BODY);
  });

  it("reports bytes as they arrive", async () => {
    const seen: [number, number | undefined][] = [];
    await get("/file.txt", { onBytes: (b, t) => seen.push([b, t]) });
    assert.deepEqual(seen.at(-1), [BODY.length, BODY.length]);
  });

  it("tells URLs from paths as docker does", () => {
    assert.equal(isUrl("http://x/y"), true);
    assert.equal(isUrl("https://x/y"), true);
    assert.equal(isUrl("git@github.com:x/y"), false);
    assert.equal(isUrl("HTTP://x"), false);
    assert.equal(isUrl("./http://x"), false);
  });
});
