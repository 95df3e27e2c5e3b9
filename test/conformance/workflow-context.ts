import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { describeResponse, expectStatus, type StatusMatcher } from "./expect-status.js";
import { DEFAULT_SKIP_REASONS, type ResolvedOptions, type SkippableChecks, type Workflow } from "./options.js";
import type { RegistryClient, RegistryResponse } from "./registry-client.js";
import type { ConformanceData, TestBlob } from "./test-data.js";

/** What every workflow reads: the client, the data and the resolved options. */
export interface WorkflowContext {
  readonly client: RegistryClient;
  readonly data: ConformanceData;
  readonly opts: ResolvedOptions;
}

/** Static conditions of one check, known when the tests are declared. */
export interface SpecGate {
  /** Go's RunOnlyIf on a setup switch: skip when false. */
  readonly onlyIf?: boolean;
  /** Go's RunOnlyIfNot: skip when true. */
  readonly onlyIfNot?: boolean;
  /** The group the check belongs to, so {@link ResolvedOptions.skip} can turn it off. */
  readonly group?: keyof SkippableChecks;
}

/** Declares one ordered check (a Go `g.Specify`). */
export type Spec = (name: string, gate: SpecGate, body: (t: TestContext) => Promise<void>) => void;

/** Go's skip message for RunOnlyIf / RunOnlyIfNot. */
export const SKIPPED_BY_SETTING = "you have skipped this test.";

/**
 * Declare a workflow's `describe`, handing `declare` a {@link Spec} that marks
 * every check skipped (with the reason) when the workflow is disabled, a setup
 * switch rules it out, or its group is in `skip`. With hideSkippedWorkflows a
 * disabled workflow declares nothing.
 */
export function describeWorkflow(
  ctx: WorkflowContext,
  workflow: Workflow,
  title: string,
  declare: (spec: Spec) => void,
): void {
  const enabled = ctx.opts.enabled[workflow];
  if (!enabled && ctx.opts.hideSkippedWorkflows === true) return;
  const spec: Spec = (name, gate, body) => {
    const reason = !enabled
      ? `you have skipped this test: the ${title} workflow is disabled (workflows.${workflow} is false)`
      : gate.onlyIf === false || gate.onlyIfNot === true
        ? SKIPPED_BY_SETTING
        : groupSkipReason(ctx.opts.skip, gate.group);
    it(name, reason === undefined ? {} : { skip: reason }, body);
  };
  describe(title, () => declare(spec));
}

function groupSkipReason(skip: SkippableChecks | undefined, group: keyof SkippableChecks | undefined): string | undefined {
  if (group === undefined) return undefined;
  const value = skip?.[group];
  if (value === undefined) return undefined;
  return value === true ? DEFAULT_SKIP_REASONS[group] : value;
}

/**
 * Push `blob` the way every Go setup does: POST an upload, then PUT the whole
 * body to its Location with `digest=`; only the PUT's status is checked (2xx).
 */
export async function pushBlob(ctx: WorkflowContext, blob: TestBlob): Promise<void> {
  const { client } = ctx;
  const started = await client.send("POST", client.route("/v2/<name>/blobs/uploads/"));
  const res = await client.send("PUT", started.relativeLocation(), {
    query: { digest: blob.digest },
    headers: { "Content-Type": "application/octet-stream" },
    body: blob.content,
  });
  if (res.status < 200 || res.status >= 300) {
    assert.fail(`${describeResponse(res)}; expected 2xx (the upload was opened by: ${describeResponse(started)})`);
  }
}

/** PUT `content` as a manifest under `reference` with Content-Type `mediaType`. */
export function putManifest(
  ctx: WorkflowContext,
  reference: string,
  content: Uint8Array,
  mediaType: string,
): Promise<RegistryResponse> {
  const { client } = ctx;
  return client.send("PUT", client.route("/v2/<name>/manifests/<reference>", { reference }), {
    headers: { "Content-Type": mediaType },
    body: content,
  });
}

/** DELETE a manifest or blob route and accept the given statuses. */
export async function deleteAccepting(
  ctx: WorkflowContext,
  kind: "manifests" | "blobs",
  reference: string,
  ...accepted: StatusMatcher[]
): Promise<void> {
  const { client } = ctx;
  const res = await client.send("DELETE", client.route(`/v2/<name>/${kind}/<reference>`, { reference }));
  expectStatus(res, ...accepted);
}
