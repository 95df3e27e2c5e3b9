import assert from "node:assert/strict";
import { describe } from "node:test";
import { expectStatus, ociErrors } from "./expect-status.js";
import { MEDIA_TYPE_MANIFEST, TEST_TAG_NAME, type TestBlob } from "./test-data.js";
import { deleteAccepting, describeWorkflow, pushBlob, putManifest, type Spec, type WorkflowContext } from "./workflow-context.js";

/** Codes an OCI error body may carry (setup.go's errorCodes). */
export const OCI_ERROR_CODES = [
  "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN",
  "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "MANIFEST_UNVERIFIED", "NAME_INVALID", "NAME_UNKNOWN",
  "SIZE_INVALID", "TAG_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED",
] as const;

const ACCEPT_MANIFEST = { Accept: MEDIA_TYPE_MANIFEST };

/** Declare the Pull workflow (01_pull_test.go): setup, blob and manifest pulls, error body, teardown. */
export function declarePull(ctx: WorkflowContext): void {
  describeWorkflow(ctx, "pull", "Pull", (spec) => {
    // Filled by the setup (or from tagName), read by the tag checks.
    const state = { tag: "" };
    describe("Setup", () => declareSetup(ctx, spec, state));
    describe("Pull blobs", () => declareBlobPulls(ctx, spec));
    describe("Pull manifests", () => declareManifestPulls(ctx, spec, state));
    describe("Error codes", () => declareErrorCodes(ctx, spec));
    describe("Teardown", () => declareTeardown(ctx, spec));
  });
}

function declareSetup(ctx: WorkflowContext, spec: Spec, state: { tag: string }): void {
  const { data, opts } = ctx;
  const setup = { onlyIf: opts.runPullSetup };
  const [config0, config1] = data.configs as [TestBlob, TestBlob];
  const [manifest0, manifest1] = data.manifests as [TestBlob, TestBlob];
  spec("Populate registry with test blob", setup, () => pushBlob(ctx, config0));
  spec("Populate registry with test blob", setup, () => pushBlob(ctx, config1));
  spec("Populate registry with test layer", setup, () => pushBlob(ctx, data.layerBlob));
  spec("Populate registry with test manifest", setup, async () => {
    state.tag = TEST_TAG_NAME;
    expectStatus(await putManifest(ctx, state.tag, manifest0.content, MEDIA_TYPE_MANIFEST), "2xx");
  });
  spec("Populate registry with test manifest", setup, async () => {
    expectStatus(await putManifest(ctx, manifest1.digest, manifest1.content, MEDIA_TYPE_MANIFEST), "2xx");
  });
  spec("Get tag name from environment", { onlyIfNot: opts.runPullSetup }, async () => {
    if (opts.tagName !== undefined && opts.tagName !== "") state.tag = opts.tagName;
  });
}

function declareBlobPulls(ctx: WorkflowContext, spec: Spec): void {
  const { client, data } = ctx;
  const config0 = data.configs[0] as TestBlob;
  const blobRoute = (digest: string): string => client.route("/v2/<name>/blobs/<digest>", { digest });
  spec("HEAD request to nonexistent blob should result in 404 response", {}, async () => {
    expectStatus(await client.send("HEAD", blobRoute(data.dummyDigest)), 404);
  });
  spec("HEAD request to existing blob should yield 200", {}, async () => {
    const res = await client.send("HEAD", blobRoute(config0.digest));
    expectStatus(res, 200);
    expectDigestHeaderIfSet(res.header("Docker-Content-Digest"), config0.digest);
  });
  spec("GET nonexistent blob should result in 404 response", {}, async () => {
    expectStatus(await client.send("GET", blobRoute(data.dummyDigest)), 404);
  });
  spec("GET request to existing blob URL should yield 200", {}, async () => {
    expectStatus(await client.send("GET", blobRoute(config0.digest)), 200);
  });
}

/** Go checks Docker-Content-Digest only when the registry sends it. */
function expectDigestHeaderIfSet(header: string, expected: string): void {
  if (header !== "") assert.equal(header, expected, "Docker-Content-Digest");
}

function declareManifestPulls(ctx: WorkflowContext, spec: Spec, state: { tag: string }): void {
  const { client, data } = ctx;
  const [manifest0, manifest1] = data.manifests as [TestBlob, TestBlob];
  const manifestRoute = (reference: string): string => client.route("/v2/<name>/manifests/<reference>", { reference });
  const missingName = {
    HEAD: "HEAD request to nonexistent manifest should return 404",
    GET: "GET nonexistent manifest should return 404",
  };
  for (const method of ["HEAD", "GET"] as const) {
    spec(missingName[method], {}, async () => {
      expectStatus(await client.send(method, manifestRoute(data.nonexistentManifest)), 404);
    });
    for (const [index, manifest] of [[0, manifest0], [1, manifest1]] as const) {
      spec(`${method} request to manifest[${index}] path (digest) should yield 200 response`, {}, async () => {
        const res = await client.send(method, manifestRoute(manifest.digest), { headers: ACCEPT_MANIFEST });
        expectStatus(res, 200);
        if (method === "HEAD") expectDigestHeaderIfSet(res.header("Docker-Content-Digest"), manifest.digest);
      });
    }
    spec(`${method} request to manifest path (tag) should yield 200 response`, {}, async () => {
      assert.notEqual(state.tag, "", "no tag: the setup did not push one and tagName is unset");
      const res = await client.send(method, manifestRoute(state.tag), { headers: ACCEPT_MANIFEST });
      expectStatus(res, 200);
      if (method === "HEAD") expectDigestHeaderIfSet(res.header("Docker-Content-Digest"), manifest0.digest);
    });
  }
}

function declareErrorCodes(ctx: WorkflowContext, spec: Spec): void {
  const { client } = ctx;
  spec("400 response body should contain OCI-conforming JSON message", { group: "errorCodes" }, async () => {
    // Go also sends the body "blablabla" (its invalidManifestContent); fetch refuses a GET body, and registries ignore it.
    const res = await client.send("GET", client.route("/v2/<name>/manifests/<reference>", { reference: "sha256:totallywrong" }), {
      headers: { "Content-Type": MEDIA_TYPE_MANIFEST },
    });
    expectStatus(res, 400, 404);
    if (res.status === 400) {
      const errors = ociErrors(res);
      assert.ok(errors.length > 0, "a 400 must list at least one OCI error");
      assert.ok((OCI_ERROR_CODES as readonly string[]).includes(errors[0]?.code ?? ""), `unknown OCI error code ${errors[0]?.code}`);
    }
  });
}

function declareTeardown(ctx: WorkflowContext, spec: Spec): void {
  const { data, opts } = ctx;
  const setup = { onlyIf: opts.runPullSetup };
  const [config0, config1] = data.configs as [TestBlob, TestBlob];
  const [manifest0, manifest1] = data.manifests as [TestBlob, TestBlob];
  const deleteManifests = (): void => {
    spec("Delete manifest[0] created in setup", setup, () => deleteAccepting(ctx, "manifests", manifest0.digest, "2xx", 405));
    spec("Delete manifest[1] created in setup", setup, () => deleteAccepting(ctx, "manifests", manifest1.digest, "2xx", 405));
  };
  if (opts.deleteManifestBeforeBlobs) deleteManifests();
  spec("Delete config[0] blob created in setup", setup, () => deleteAccepting(ctx, "blobs", config0.digest, "2xx", 404, 405));
  spec("Delete config[1] blob created in setup", setup, () => deleteAccepting(ctx, "blobs", config1.digest, "2xx", 404, 405));
  spec("Delete layer blob created in setup", setup, () => deleteAccepting(ctx, "blobs", data.layerBlob.digest, "2xx", 404, 405));
  if (!opts.deleteManifestBeforeBlobs) deleteManifests();
}
