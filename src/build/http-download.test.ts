import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { downloadToFile } from "./http-download.js";
import { proxyFor } from "./http-get.js";

describe("proxyFor", () => {
  const cases: { url: string; env: NodeJS.ProcessEnv; want?: string }[] = [
    { url: "http://m.example/debian", env: {} },
    { url: "http://m.example/debian", env: { HTTP_PROXY: "http://p:3128" }, want: "http://p:3128/" },
    { url: "http://m.example/debian", env: { http_proxy: "http://q:3128" }, want: "http://q:3128/" },
    { url: "https://m.example/debian", env: { HTTP_PROXY: "http://p:3128" } },
    { url: "https://m.example/debian", env: { HTTPS_PROXY: "http://p:3128" }, want: "http://p:3128/" },
    { url: "http://m.example/debian", env: { HTTP_PROXY: "http://p:3128", NO_PROXY: ".example" } },
    { url: "http://m.example/debian", env: { HTTP_PROXY: "http://p:3128", no_proxy: "other.example, m.example" } },
    { url: "http://m.example/debian", env: { HTTP_PROXY: "http://p:3128", NO_PROXY: "*" } },
    { url: "http://xm.example/debian", env: { HTTP_PROXY: "http://p:3128", NO_PROXY: "m.example" }, want: "http://p:3128/" },
  ];
  for (const c of cases) {
    it(`${c.url} with ${JSON.stringify(c.env)}`, () => assert.equal(proxyFor(new URL(c.url), c.env)?.href, c.want));
  }
});

describe("downloadToFile", () => {
  it("goes through an HTTP forward proxy with the absolute URL, hashing what it writes", async () => {
    const seen: string[] = [];
    const proxy = createServer((req, res) => {
      seen.push(req.url!);
      res.writeHead(200).end("via proxy");
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const dir = await mkdtemp(join(tmpdir(), "berth-dl-"));
    try {
      const env = { HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` };
      const got = await downloadToFile("http://mirror.invalid/debian/dists/x/InRelease", join(dir, "f"), { env });
      assert.deepEqual(seen, ["http://mirror.invalid/debian/dists/x/InRelease"]);
      assert.equal(await readFile(join(dir, "f"), "utf8"), "via proxy");
      assert.deepEqual(got, { sha256: createHash("sha256").update("via proxy").digest("hex"), size: 9 });
    } finally {
      proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives up after five redirects, naming the URL", async () => {
    const loop = createServer((_req, res) => void res.writeHead(302, { location: "/again" }).end());
    await new Promise<void>((r) => loop.listen(0, "127.0.0.1", r));
    const dir = await mkdtemp(join(tmpdir(), "berth-dl-"));
    try {
      const url = `http://127.0.0.1:${(loop.address() as AddressInfo).port}/start`;
      await assert.rejects(downloadToFile(url, join(dir, "f"), { env: {} }), new RegExp(`${url}: more than 5 redirects`));
    } finally {
      loop.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
