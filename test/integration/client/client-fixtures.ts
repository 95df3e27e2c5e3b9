// Shared by the client's integration tests: registries to talk to, fixture
// images pushed in with skopeo, and transports and proxies that record or
// break what goes over the wire.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { NodeHttpTransport, type HttpRequest, type HttpResponse, type HttpTransport } from "../../../src/client/index.js";
import type { ContentStore } from "../../../src/content/index.js";
import { serveRegistry, type AuthConfig, type RunningRegistry } from "../../../src/registry/index.js";
import { buildLayer } from "../../fixtures/layer-tar.js";
import { makeRandomBlob, MediaType, type ImageFixture } from "../../fixtures/make-image.js";
import { tagInIndex, writeBlob, writeJsonBlob } from "../../fixtures/oci-layout-writer.js";
import { missingTools } from "../../support/require-root.js";
import { assertSucceeded } from "../../support/run.js";
import { skopeo } from "../../support/skopeo.js";

const missing = missingTools(["skopeo", "busybox"]);
/** Skip reason for tests that push fixtures with skopeo, or false. */
export const needsSkopeo: string | false = missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install skopeo busybox-static` : false;
/** Skip reason for tests that also need Debian's docker-registry, or false. */
export const needsDistribution: string | false = missingTools(["skopeo", "busybox", "docker-registry"]).length > 0
  ? "needs skopeo, busybox and docker-registry: apt-get install skopeo busybox-static docker-registry"
  : false;

/** berth's registry in this process on 127.0.0.1 and a free port, storing under `root`. */
export function startBerth(root: string, auth?: AuthConfig): Promise<RunningRegistry> {
  return serveRegistry({ addr: "127.0.0.1:0", root, ...(auth && { auth }) });
}

/** `skopeo copy oci:<layout>:<tag> docker://<dest>` (plain HTTP), `--all` for an index. */
export async function pushLayout(layout: string, tag: string, dest: string, tmpDir: string, extra: readonly string[] = []): Promise<void> {
  assertSucceeded(await skopeo(["copy", "--all", "--dest-tls-verify=false", ...extra, `oci:${layout}:${tag}`, `docker://${dest}`], { tmpDir }));
}

/** The digest of the manifest bytes skopeo reads for `ref` (`docker://…` or `oci:…`). */
export async function rawDigest(ref: string, extra: readonly string[] = []): Promise<string> {
  const r = assertSucceeded(await skopeo(["inspect", "--raw", "--tls-verify=false", ...extra, ref]));
  return `sha256:${createHash("sha256").update(r.stdout).digest("hex")}`;
}

/** Put every blob of an OCI layout into `store`, as an image store would after an import. */
export async function storeLayout(layout: string, store: ContentStore): Promise<void> {
  const dir = join(layout, "blobs", "sha256");
  for (const name of await readdir(dir)) await store.putBytes(await readFile(join(dir, name)));
}

/**
 * An image with one layer holding `size` random bytes (seeded: the same each
 * run), large enough to be streamed and resumed, tagged `tag` in `layout`.
 */
export async function makeBigLayout(layout: string, tag: string, size: number, seed = 7): Promise<ImageFixture> {
  const layer = await buildLayer([{ type: "file", path: "data/random.bin", content: makeRandomBlob(size, seed) }]);
  const layerDesc = await writeBlob(layout, MediaType.layerGzip, layer.gzip);
  const config = await writeBlob(layout, MediaType.config, Buffer.from(JSON.stringify({
    architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [layer.diffId] },
  })));
  const manifest = await writeJsonBlob(layout, MediaType.manifest, { schemaVersion: 2, mediaType: MediaType.manifest, config, layers: [layerDesc] });
  await tagInIndex(layout, manifest, tag);
  return { manifest, config, layers: [layerDesc], diffIds: [layer.diffId] };
}

/** One request as a RecordingTransport saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  status?: number;
  /** Body bytes the client read. */
  received: number;
}

/**
 * A real NodeHttpTransport that records every request and counts the body
 * bytes read from each response; `onBytes` sees the running count of each
 * response (used to abort a pull part-way, as a kill would).
 */
export class RecordingTransport implements HttpTransport, AsyncDisposable {
  readonly log: RecordedRequest[] = [];
  private readonly inner = new NodeHttpTransport();

  constructor(private readonly onBytes?: (entry: RecordedRequest) => void) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    const entry: RecordedRequest = { method: req.method, url: req.url, headers: { ...req.headers }, received: 0 };
    this.log.push(entry);
    const res = await this.inner.request(req);
    entry.status = res.status;
    const onBytes = this.onBytes;
    const source = res.body;
    const counted = Readable.from((async function* () {
      for await (const chunk of source) {
        entry.received += (chunk as Buffer).length;
        onBytes?.(entry);
        yield chunk as Buffer;
      }
    })(), { objectMode: false });
    return { ...res, body: counted, discard: () => { res.discard(); counted.destroy(); } };
  }

  /** Requests with this method whose path matches. */
  matching(method: string, path: RegExp): RecordedRequest[] {
    return this.log.filter((r) => r.method === method && path.test(r.url.pathname));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A TCP proxy on 127.0.0.1 that resets one connection part-way through a chosen response. */
export interface ResetProxy extends AsyncDisposable {
  readonly host: string;
  /** Every request head that went through, in order. */
  readonly heads: string[];
  /** How many connections it reset. */
  readonly resets: number;
  close(): Promise<void>;
}

/**
 * Forward 127.0.0.1:<free> to `target`. The first request whose head matches
 * `cut` gets `afterBytes` bytes of its response through, then the client's
 * socket is reset (RST) and the upstream closed, as a dropped connection.
 */
export async function startResetProxy(target: string, cut: RegExp, afterBytes: number): Promise<ResetProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  const heads: string[] = [];
  const sockets = new Set<Socket>();
  let resets = 0;
  let armed = true;
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    let sent = 0;
    let cutAt = Infinity;
    let dead = false;
    client.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      const head = text.slice(0, Math.max(0, text.indexOf("\r\n\r\n")));
      if (/^[A-Z]+ \S+ HTTP\/1\.1/.test(head)) {
        heads.push(head);
        if (armed && cut.test(head)) {
          armed = false;
          cutAt = sent + afterBytes;
        }
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (dead) return;
      if (sent + chunk.length > cutAt) {
        dead = true;
        client.write(chunk.subarray(0, cutAt - sent), () => {
          resets++;
          client.resetAndDestroy();
          upstream.destroy();
        });
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    // A side that ends its half (a response with Connection: close) gets its bytes through first.
    client.on("end", () => upstream.end());
    upstream.on("end", () => {
      if (!dead) client.end();
    });
    client.on("error", end).on("close", () => upstream.destroy());
    upstream.on("error", end).on("close", () => {
      if (!client.writableEnded) client.destroy();
    });
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    host: `127.0.0.1:${address.port}`,
    heads,
    get resets() {
      return resets;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What an HttpProxy saw of one request. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** The request's headers as the proxy received them (names in lower case). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Request body bytes that reached the proxy. */
  bodyBytes: number;
  /** The status the client got (from upstream, or the proxy's own refusal). */
  status?: number;
}

/** How an HttpProxy misbehaves. */
export interface HttpProxyOptions {
  /** Requests answered 405 by the proxy itself, after their body was read, instead of being forwarded. */
  readonly refuse?: (method: string, path: string, headers: Readonly<Record<string, string | string[] | undefined>>) => boolean;
  /** GET responses whose path matches get one body byte flipped at `at` (same length, wrong bytes). */
  readonly corrupt?: { readonly path: RegExp; readonly at: number };
  /** GET responses whose path matches are cut to `bytes` bytes, Content-Length included: a clean short answer. */
  readonly shorten?: { readonly path: RegExp; readonly bytes: number };
}

/** An HTTP proxy on 127.0.0.1 in front of a registry. */
export interface HttpProxy extends AsyncDisposable {
  readonly host: string;
  readonly log: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * Forward HTTP requests on 127.0.0.1:<free> to `target` (`host:port`),
 * recording each and, as `opts` says, refusing some or changing blob bodies.
 */
export async function startHttpProxy(target: string, opts: HttpProxyOptions = {}): Promise<HttpProxy> {
  const log: ProxiedRequest[] = [];
  const upstreamAgent = new HttpAgent({ keepAlive: true });
  const server = createHttpServer((req, res) => {
    const entry: ProxiedRequest = { method: req.method ?? "", path: req.url ?? "", headers: { ...req.headers }, bodyBytes: 0 };
    log.push(entry);
    req.on("data", (c: Buffer) => (entry.bodyBytes += c.length));
    const fail = (): void => void res.destroy();
    if (opts.refuse?.(entry.method, entry.path, req.headers)) {
      req.resume();
      req.on("end", () => {
        entry.status = 405;
        res.writeHead(405, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "UNSUPPORTED", message: "not here" }] }));
      });
      return;
    }
    // The Host header stays the proxy's: registries build upload Locations from it, and those must come back here.
    const headers = req.headers;
    const up = httpRequest({ host: target.split(":")[0], port: Number(target.split(":")[1]), method: req.method, path: req.url, headers, agent: upstreamAgent }, (ures) => {
      entry.status = ures.statusCode;
      const p = new URL(entry.path, "http://x").pathname;
      const corrupt = req.method === "GET" && opts.corrupt?.path.test(p) ? opts.corrupt.at : undefined;
      const short = req.method === "GET" && opts.shorten?.path.test(p) ? opts.shorten.bytes : undefined;
      const outHeaders = { ...ures.headers, ...(short !== undefined && { "content-length": String(short) }) };
      res.writeHead(ures.statusCode ?? 502, outHeaders);
      let offset = 0;
      ures.on("data", (chunk: Buffer) => {
        let c = chunk;
        if (short !== undefined) c = c.subarray(0, Math.max(0, short - offset));
        if (corrupt !== undefined && corrupt >= offset && corrupt < offset + c.length) {
          c = Buffer.from(c);
          c[corrupt - offset] = c[corrupt - offset]! ^ 0xff;
        }
        offset += chunk.length;
        if (c.length > 0) res.write(c);
      });
      ures.on("end", () => res.end());
      ures.on("error", fail);
    });
    up.on("error", fail);
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const close = async (): Promise<void> => {
    upstreamAgent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { host: `127.0.0.1:${port}`, log, close, [Symbol.asyncDispose]: close };
}
