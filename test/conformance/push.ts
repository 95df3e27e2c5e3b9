import assert from "node:assert/strict";
import { describe, type TestContext } from "node:test";
import { describeResponse, expectHeader, expectLocation, expectStatus } from "./expect-status.js";
import type { RegistryResponse } from "./registry-client.js";
import { EMPTY_LAYER_TEST_TAG, makeChunkedBlob, MEDIA_TYPE_MANIFEST, type ChunkedBlob, type TestBlob } from "./test-data.js";
import { deleteAccepting, describeWorkflow, putManifest, SKIPPED_BY_SETTING, type Spec, type WorkflowContext } from "./workflow-context.js";

/** Responses and data the ordered push checks hand to each other (Go's lastResponse, prevResponse, …). */
interface PushState {
  last: RegistryResponse | undefined;
  prev: RegistryResponse | undefined;
  emptyLayerManifestRef: string;
  chunked: ChunkedBlob;
}

const OCTET_STREAM = { "Content-Type": "application/octet-stream" };
/** Refuse to build a chunked blob bigger than this, whatever OCI-Chunk-Min-Length asks for. */
const MAX_CHUNKED_BLOB_BYTES = 64 * 1024 * 1024;

/** Declare the Push workflow (02_push_test.go): streamed, monolithic and chunked uploads, cross-mounts, manifests. */
export function declarePush(ctx: WorkflowContext): void {
  describeWorkflow(ctx, "push", "Push", (spec) => {
    const state: PushState = { last: undefined, prev: undefined, emptyLayerManifestRef: "", chunked: ctx.data.chunkedBlob };
    describe("Setup", () => {
      // No setup required at this time for push tests (as in Go).
    });
    describe("Blob Upload Streamed", () => declareStreamed(ctx, spec, state));
    describe("Blob Upload Monolithic", () => declareMonolithic(ctx, spec, state));
    describe("Blob Upload Chunked", () => declareChunked(ctx, spec, state));
    describe("Cross-Repository Blob Mount", () => declareCrossMount(ctx, spec, state));
    describe("Manifest Upload", () => declareManifestUpload(ctx, spec, state));
    describe("Teardown", () => declareTeardown(ctx, spec, state));
  });
}

/** The response an earlier check stored; fails (as Go's nil check or nil dereference does) when it is missing. */
function earlier(res: RegistryResponse | undefined, what: string): RegistryResponse {
  assert.ok(res !== undefined, `no ${what}: the check that makes it failed or was skipped`);
  return res;
}

function declareStreamed(ctx: WorkflowContext, spec: Spec, state: PushState): void {
  const { client, data } = ctx;
  spec("PATCH request with blob in body should yield 202 response", {}, async () => {
    const started = await client.send("POST", client.route("/v2/<name>/blobs/uploads/"));
    expectLocation(started);
    const res = await client.send("PATCH", started.relativeLocation(), { headers: OCTET_STREAM, body: data.testBlobA.content });
    expectStatus(res, 202);
    state.last = res;
  });
  spec("PUT request to session URL with digest should yield 201 response", {}, async () => {
    const last = earlier(state.last, "upload session from the PATCH");
    // Go also sets Content-Length to the blob's size, but sends no body; on the wire that is Content-Length: 0.
    const res = await client.send("PUT", last.relativeLocation(), { query: { digest: data.testBlobA.digest }, headers: OCTET_STREAM });
    expectStatus(res, 201);
    expectLocation(res);
  });
}

function declareMonolithic(ctx: WorkflowContext, spec: Spec, state: PushState): void {
  const { client, data } = ctx;
  const config1 = data.configs[1] as TestBlob;
  const blobRoute = (digest: string): string => client.route("/v2/<name>/blobs/<digest>", { digest });
  spec("GET nonexistent blob should result in 404 response", {}, async () => {
    expectStatus(await client.send("GET", blobRoute(data.dummyDigest)), 404);
  });
  spec("POST request with digest and blob should yield a 201 or 202", {}, async () => {
    const res = await client.send("POST", client.route("/v2/<name>/blobs/uploads/"), {
      query: { digest: config1.digest },
      headers: OCTET_STREAM,
      body: config1.content,
    });
    expectLocation(res);
    expectStatus(res, 201, 202);
    state.last = res;
  });
  spec("GET request to blob URL from prior request should yield 200 or 404 based on response code", {}, async () => {
    const last = earlier(state.last, "response to the monolithic POST");
    const res = await client.send("GET", blobRoute(config1.digest));
    // A 202 means the registry ignored the body and only opened a session, so the blob is not there yet.
    expectStatus(res, last.status === 202 ? 404 : 200);
  });
  spec("POST request should yield a session ID", {}, async () => {
    const res = await client.send("POST", client.route("/v2/<name>/blobs/uploads/"));
    expectStatus(res, 202);
    state.last = res;
  });
  spec("PUT upload of a blob should yield a 201 Response", {}, async () => {
    const last = earlier(state.last, "upload session from the POST");
    const res = await client.send("PUT", last.relativeLocation(), { query: { digest: config1.digest }, headers: OCTET_STREAM, body: config1.content });
    expectLocation(res);
    expectStatus(res, 201);
  });
  spec("GET request to existing blob should yield 200 response", {}, async () => {
    expectStatus(await client.send("GET", blobRoute(config1.digest)), 200);
  });
  spec("PUT upload of a layer blob should yield a 201 Response", {}, async () => {
    const started = await client.send("POST", client.route("/v2/<name>/blobs/uploads/"));
    const res = await client.send("PUT", started.relativeLocation(), {
      query: { digest: data.layerBlob.digest },
      headers: OCTET_STREAM,
      body: data.layerBlob.content,
    });
    expectLocation(res);
    expectStatus(res, 201);
  });
  spec("GET request to existing layer should yield 200 response", {}, async () => {
    expectStatus(await client.send("GET", blobRoute(data.layerBlob.digest)), 200);
  });
}

/** PATCH one chunk with its Content-Range. */
const patchChunk = (ctx: WorkflowContext, location: string, chunk: Uint8Array, range: string): Promise<RegistryResponse> =>
  ctx.client.send("PATCH", location, { headers: { ...OCTET_STREAM, "Content-Range": range }, body: chunk });

function declareChunked(ctx: WorkflowContext, spec: Spec, state: PushState): void {
  const { client } = ctx;
  const startUpload = (): Promise<RegistryResponse> => client.send("POST", client.route("/v2/<name>/blobs/uploads/"));
  spec("Out-of-order blob upload should return 416", { group: "outOfOrderChunks" }, async () => {
    const started = await startUpload();
    expectLocation(started);
    growToMinimumChunk(ctx, state, started);
    const res = await patchChunk(ctx, started.relativeLocation(), state.chunked.chunk2, state.chunked.chunk2Range);
    expectStatus(res, 416);
  });
  spec("PATCH request with first chunk should return 202", {}, async () => {
    const started = await startUpload();
    expectLocation(started);
    state.prev = started;
    const res = await patchChunk(ctx, started.relativeLocation(), state.chunked.chunk1, state.chunked.chunk1Range);
    expectStatus(res, 202);
    expectHeader(res, "Range", state.chunked.chunk1Range);
    state.last = res;
  });
  spec("Retry previous blob chunk should return 416", { group: "staleUploadSession" }, async () => {
    const prev = earlier(state.prev, "upload session from the first chunk's POST");
    expectStatus(await patchChunk(ctx, prev.relativeLocation(), state.chunked.chunk1, state.chunked.chunk1Range), 416);
  });
  spec("Get on stale blob upload should return 204 with a range and location", { group: "staleUploadSession" }, async () => {
    const prev = earlier(state.prev, "upload session from the first chunk's POST");
    const res = await client.send("GET", prev.relativeLocation());
    expectStatus(res, 204);
    expectLocation(res);
    expectHeader(res, "Range", state.chunked.chunk1Range);
    state.last = res;
  });
  spec("PATCH request with second chunk should return 202", {}, async () => {
    const last = earlier(state.last, "upload status from the GET");
    const res = await patchChunk(ctx, last.relativeLocation(), state.chunked.chunk2, state.chunked.chunk2Range);
    expectStatus(res, 202);
    expectLocation(res);
    state.last = res;
  });
  spec("PUT request with digest should return 201", {}, async () => {
    const last = earlier(state.last, "upload session from the second chunk");
    const res = await client.send("PUT", last.relativeLocation(), { query: { digest: state.chunked.digest }, headers: OCTET_STREAM });
    expectStatus(res, 201);
    expectLocation(res);
  });
}

/** Rebuild the chunked blob when the registry's OCI-Chunk-Min-Length exceeds the first chunk, as Go does. */
function growToMinimumChunk(ctx: WorkflowContext, state: PushState, started: RegistryResponse): void {
  const header = started.header("OCI-Chunk-Min-Length");
  if (header === "") return;
  const minSize = Number(header);
  assert.ok(Number.isSafeInteger(minSize) && minSize >= 0, `${describeResponse(started)}; OCI-Chunk-Min-Length ${JSON.stringify(header)} is not a byte count`);
  if (minSize <= state.chunked.chunk1.length) return;
  const size = minSize * 2 - 2;
  assert.ok(size <= MAX_CHUNKED_BLOB_BYTES, `OCI-Chunk-Min-Length ${minSize} would need a ${size}-byte test blob; the suite stops at ${MAX_CHUNKED_BLOB_BYTES}`);
  state.chunked = makeChunkedBlob(size, ctx.opts.seed);
}

function declareCrossMount(ctx: WorkflowContext, spec: Spec, state: PushState): void {
  const { client, data, opts } = ctx;
  const mountRoute = client.route("/v2/<name>/blobs/uploads/", { name: opts.crossmountNamespace });
  /** Skip unless the mount with `from` was answered `status`; Go's RunOnlyIf(lastResponse.StatusCode() == …). */
  const onlyIfMountAnswered = (t: TestContext, status: number): boolean => {
    const last = earlier(state.last, "response to the cross-mount POST");
    if (last.status === status) return true;
    t.skip(`${SKIPPED_BY_SETTING} (the mount was answered ${last.status}, this check is for ${status})`);
    return false;
  };
  spec("Cross-mounting of a blob without the from argument should yield session id", {}, async () => {
    const res = await client.send("POST", mountRoute, { query: { mount: data.dummyDigest } });
    expectStatus(res, 202);
    expectLocation(res);
  });
  spec("POST request to mount another repository's blob should return 201 or 202", {}, async () => {
    const res = await client.send("POST", mountRoute, { query: { mount: data.testBlobA.digest, from: client.namespace } });
    expectStatus(res, 201, 202);
    state.last = res;
  });
  spec("GET request to test digest within cross-mount namespace should return 200", {}, async (t) => {
    if (!onlyIfMountAnswered(t, 201)) return;
    const location = (state.last as RegistryResponse).relativeLocation();
    assert.equal(location, `/v2/${opts.crossmountNamespace}/blobs/${data.testBlobA.digest}`, "Location of the mounted blob");
    expectStatus(await client.send("GET", location), 200);
  });
  spec("Cross-mounting of nonexistent blob should yield session id", {}, async (t) => {
    if (!onlyIfMountAnswered(t, 202)) return;
    const location = (state.last as RegistryResponse).relativeLocation();
    const prefix = `/v2/${opts.crossmountNamespace}/blobs/uploads/`;
    assert.ok(location.startsWith(prefix), `Location ${location} should start with ${prefix}`);
  });
  const automatic = opts.automaticCrossmount;
  for (const enabled of [true, false]) {
    const name = `Cross-mounting without from, and automatic content discovery ${enabled ? "enabled should return a 201" : "disabled should return a 202"}`;
    spec(name, { onlyIf: automatic === enabled }, async (t) => {
      if (!onlyIfMountAnswered(t, 201)) return;
      const res = await client.send("POST", mountRoute, { query: { mount: data.testBlobA.digest } });
      expectStatus(res, enabled ? 201 : 202);
    });
  }
}

function declareManifestUpload(ctx: WorkflowContext, spec: Spec, state: PushState): void {
  const { client, data } = ctx;
  const manifest1 = data.manifests[1] as TestBlob;
  spec("GET nonexistent manifest should return 404", {}, async () => {
    const res = await client.send("GET", client.route("/v2/<name>/manifests/<reference>", { reference: data.nonexistentManifest }));
    expectStatus(res, 404);
  });
  spec("PUT should accept a manifest upload", {}, async () => {
    for (let i = 0; i < 4; i++) {
      const res = await putManifest(ctx, `test${i}`, manifest1.content, MEDIA_TYPE_MANIFEST);
      expectLocation(res);
      expectStatus(res, 201);
    }
  });
  spec("Registry should accept a manifest upload with no layers", {}, async (t) => {
    const res = await putManifest(ctx, EMPTY_LAYER_TEST_TAG, data.emptyLayerManifest.content, MEDIA_TYPE_MANIFEST);
    if (res.status !== 201) {
      t.diagnostic(`WARNING: image manifest with no layers is not supported (${describeResponse(res)})`);
      return;
    }
    state.emptyLayerManifestRef = expectLocation(res);
  });
  spec("GET request to manifest URL (digest) should yield 200 response", {}, async () => {
    const res = await client.send("GET", client.route("/v2/<name>/manifests/<reference>", { reference: manifest1.digest }), {
      headers: { Accept: MEDIA_TYPE_MANIFEST },
    });
    expectStatus(res, 200);
  });
}

function declareTeardown(ctx: WorkflowContext, spec: Spec, state: PushState): void {
  const { data, opts } = ctx;
  const deleteManifests = (): void => {
    spec("Delete manifest created in tests", {}, async () => {
      await deleteAccepting(ctx, "manifests", (data.manifests[1] as TestBlob).digest, "2xx", 405);
      if (state.emptyLayerManifestRef !== "") {
        await deleteAccepting(ctx, "manifests", data.emptyLayerManifest.digest, "2xx", 405);
      }
    });
  };
  if (opts.deleteManifestBeforeBlobs) deleteManifests();
  spec("Delete config blob created in tests", {}, () => deleteAccepting(ctx, "blobs", (data.configs[1] as TestBlob).digest, "2xx", 404, 405));
  spec("Delete layer blob created in setup", {}, () => deleteAccepting(ctx, "blobs", data.layerBlob.digest, "2xx", 404, 405));
  if (!opts.deleteManifestBeforeBlobs) deleteManifests();
}
