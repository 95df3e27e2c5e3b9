import assert from "node:assert/strict";
import { describe, type TestContext } from "node:test";
import { describeResponse, expectStatus, ociErrors } from "./expect-status.js";
import type { RegistryResponse } from "./registry-client.js";
import { MEDIA_TYPE_MANIFEST, TEST_TAG_NAME, type TestBlob } from "./test-data.js";
import { describeWorkflow, pushBlob, putManifest, SKIPPED_BY_SETTING, type Spec, type WorkflowContext } from "./workflow-context.js";

/** What the ordered checks hand to each other (Go's tagToDelete, numTags, blobDeleteAllowed). */
interface ManagementState {
  tagToDelete: string;
  numTags: number;
  blobDeleteAllowed: boolean;
}

/** Declare the Content Management workflow (04_management_test.go): deleting a tag, a manifest and blobs. */
export function declareContentManagement(ctx: WorkflowContext): void {
  describeWorkflow(ctx, "contentManagement", "Content Management", (spec) => {
    const state: ManagementState = { tagToDelete: "", numTags: 0, blobDeleteAllowed: true };
    describe("Setup", () => declareSetup(ctx, spec, state));
    describe("Manifest delete", () => declareManifestDelete(ctx, spec, state));
    describe("Blob delete", () => declareBlobDelete(ctx, spec, state));
    describe("Teardown", () => {
      // No teardown required at this time for content management tests (as in Go).
    });
  });
}

/** Tags of a tag list that must parse as JSON (Go's json.Unmarshal into TagList must not fail). */
function parsedTags(res: RegistryResponse): string[] {
  let parsed: { tags?: unknown } | null;
  try {
    parsed = JSON.parse(res.text()) as typeof parsed;
  } catch {
    assert.fail(`${describeResponse(res)}; expected a JSON tag list`);
  }
  const tags = parsed?.tags ?? [];
  assert.ok(Array.isArray(tags), `${describeResponse(res)}; "tags" is not an array`);
  return tags.map(String);
}

function declareSetup(ctx: WorkflowContext, spec: Spec, state: ManagementState): void {
  const { client, data } = ctx;
  spec("Populate registry with test config blob", {}, () => pushBlob(ctx, data.configs[3] as TestBlob));
  spec("Populate registry with test layer", {}, () => pushBlob(ctx, data.layerBlob));
  spec("Populate registry with test tag", {}, async () => {
    state.tagToDelete = TEST_TAG_NAME;
    expectStatus(await putManifest(ctx, state.tagToDelete, (data.manifests[3] as TestBlob).content, MEDIA_TYPE_MANIFEST), "2xx");
  });
  spec("Check how many tags there are before anything gets deleted", {}, async () => {
    const res = await client.send("GET", client.route("/v2/<name>/tags/list"));
    expectStatus(res, 200);
    state.numTags = parsedTags(res).length;
  });
}

function declareManifestDelete(ctx: WorkflowContext, spec: Spec, state: ManagementState): void {
  const { client, data } = ctx;
  const manifest3 = data.manifests[3] as TestBlob;
  const manifestRoute = (reference: string): string => client.route("/v2/<name>/manifests/<reference>", { reference });
  spec("DELETE request to manifest tag should return 202, unless tag deletion is disallowed (400/405)", { group: "tagDeletion" }, async () => {
    const res = await client.send("DELETE", manifestRoute(state.tagToDelete));
    expectStatus(res, 400, 202, 405);
    if (res.status === 400) {
      const errors = ociErrors(res);
      assert.ok(errors.length > 0, `${describeResponse(res)}; a 400 must list at least one OCI error`);
      assert.equal(errors[0]?.code, "UNSUPPORTED", `${describeResponse(res)}; a refused tag deletion is UNSUPPORTED`);
    }
  });
  spec("DELETE request to manifest (digest) should yield 202 response unless already deleted", {}, async () => {
    // After an accepted tag deletion the manifest may be gone already.
    expectStatus(await client.send("DELETE", manifestRoute(manifest3.digest)), 202, 404);
  });
  spec("GET request to deleted manifest URL should yield 404 response, unless delete is disallowed", {}, async () => {
    expectStatus(await client.send("GET", manifestRoute(manifest3.digest)), 404, 200);
  });
  spec("GET request to tags list should reflect manifest deletion", {}, async () => {
    const res = await client.send("GET", client.route("/v2/<name>/tags/list"));
    expectStatus(res, 200);
    const tags = parsedTags(res);
    assert.ok(tags.length < state.numTags, `${describeResponse(res)}; expected fewer than the ${state.numTags} tags listed before the deletion`);
  });
}

function declareBlobDelete(ctx: WorkflowContext, spec: Spec, state: ManagementState): void {
  const { client, data } = ctx;
  const config3 = data.configs[3] as TestBlob;
  const blobRoute = (digest: string): string => client.route("/v2/<name>/blobs/<digest>", { digest });
  spec("DELETE request to blob URL should yield 202 response", {}, async () => {
    expectStatus(await client.send("DELETE", blobRoute(config3.digest)), 202, 404, 405);
    const layer = await client.send("DELETE", blobRoute(data.layerBlob.digest));
    expectStatus(layer, 202, 404, 405);
    if (layer.status === 405) state.blobDeleteAllowed = false;
  });
  spec("GET request to deleted blob URL should yield 404 response", {}, async (t: TestContext) => {
    if (!state.blobDeleteAllowed) {
      t.skip(`${SKIPPED_BY_SETTING} (the registry answered 405 to blob deletion)`);
      return;
    }
    expectStatus(await client.send("GET", blobRoute(config3.digest)), 404);
  });
}
