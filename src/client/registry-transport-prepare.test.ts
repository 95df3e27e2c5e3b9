import { it } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { Authenticator } from "./auth/authenticator.js";
import type { HttpRequest, HttpResponse, HttpTransport } from "./http-transport.js";
import { RegistryClient } from "./registry-client.js";
import { registryEndpoint } from "./registry-endpoint.js";
import { RegistryTransport } from "./registry-transport.js";
import { retryPolicy } from "./retry.js";

/** A tiny registry in memory: answers GET /v2/ (or fails it while `down`), and 202 to any PATCH, logging each request. */
class RecordingTransport implements HttpTransport {
  readonly log: string[] = [];
  down = false;

  async request(req: HttpRequest): Promise<HttpResponse> {
    this.log.push(`${req.method} ${req.url.pathname}`);
    if (req.body instanceof Readable) req.body.resume();
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const status = req.method === "GET" ? 200 : 202;
    return { status, statusText: "", url: req.url, header: () => undefined, headerValues: () => [], body: Readable.from([]), discard: () => undefined };
  }
}

function transportOver(http: RecordingTransport): RegistryTransport {
  const endpoint = registryEndpoint("127.0.0.1:5999");
  const auth = new Authenticator({ host: "127.0.0.1:5999", credentials: async () => undefined, transport: http, userAgent: "test" });
  return new RegistryTransport(endpoint, { transport: http, auth, retry: retryPolicy({ retries: 0 }), userAgent: "test" });
}

it("prepareStream: concurrent streamed uploads share one GET /v2/, and later ones send none", async () => {
  const http = new RecordingTransport();
  const t = transportOver(http);
  const patch = (): Promise<HttpResponse> => t.send({ method: "PATCH", url: "/v2/a/blobs/uploads/x", body: Readable.from([Buffer.from("hi")]), scopes: [], expect: [202] });
  await Promise.all([t.prepareStream(), patch(), patch(), patch()]);
  await patch();
  assert.equal(http.log.filter((l) => l === "GET /v2/").length, 1, http.log.join(", "));
  assert.equal(http.log.filter((l) => l.startsWith("PATCH")).length, 4);
});

it("prepareStream: a failed GET /v2/ fails its callers and is tried again by the next", async () => {
  const http = new RecordingTransport();
  const t = transportOver(http);
  http.down = true;
  await assert.rejects(Promise.all([t.prepareStream(), t.prepareStream()]), /ECONNREFUSED/);
  http.down = false;
  await t.prepareStream();
  assert.deepEqual(http.log, ["GET /v2/", "GET /v2/"]);
});

it("RegistryClient.prepareStreams: a registry that is down leaves no unhandled rejection; a failed GET /v2/ is asked again, a successful one not", async () => {
  // Each request's settling is awaited (not a sleep): the test holds on a loaded machine too.
  const settled: Promise<unknown>[] = [];
  const http = new RecordingTransport();
  const request = http.request.bind(http);
  http.request = (req) => {
    const p = request(req);
    settled.push(p.catch(() => undefined));
    return p;
  };
  const drained = async (): Promise<void> => {
    await Promise.all(settled);
    // Rejection handlers and Node's unhandled-rejection check run after the request settles.
    await new Promise((resolve) => setImmediate(resolve));
  };
  http.down = true;
  const client = new RegistryClient("127.0.0.1:5999", { transport: http, credentials: {}, retry: { retries: 0 } });
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  try {
    client.prepareStreams();
    await drained();
    assert.deepEqual(unhandled, []);
    http.down = false;
    client.prepareStreams();
    await drained();
    client.prepareStreams();
    await drained();
    assert.deepEqual(http.log, ["GET /v2/", "GET /v2/"], "asked again after the failure, not after the success");
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
