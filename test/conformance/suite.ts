import { describe } from "node:test";
import { declareContentDiscovery } from "./discovery.js";
import { declareContentManagement } from "./management.js";
import { resolveOptions, type ConformanceOptions } from "./options.js";
import { declarePull } from "./pull.js";
import { declarePush } from "./push.js";
import { RegistryClient } from "./registry-client.js";
import { makeTestData } from "./test-data.js";
import type { WorkflowContext } from "./workflow-context.js";

export { optionsFromEnv, type ConformanceOptions, type SkippableChecks, type Workflow } from "./options.js";

/**
 * Declare the OCI distribution-spec v1.1 conformance suite as node:test
 * `describe`/`it` blocks: Pull, Push, Content Discovery, Content Management,
 * in that order, each as Setup → checks → Teardown, exactly as the Go suite
 * orders its specs. Later checks use state earlier ones made, so run the file
 * without test-name filters and with the default (sequential) concurrency.
 *
 * Call at the top level of a test file; start the registry in a `before` hook
 * and hand its address through `rootUrl`, which is read only when requests are
 * made:
 *
 * ```ts
 * let url = "";
 * before(async () => { url = await startRegistry(); });
 * conformanceSuite({ rootUrl: () => url, namespace: "conformance/main", crossmountNamespace: "conformance/other" });
 * ```
 *
 * The registry must be empty of the suite's digests, or at least of the ones
 * that must 404: pick a fresh store or another `seed`.
 */
export function conformanceSuite(options: ConformanceOptions): void {
  const opts = resolveOptions(options);
  const ctx: WorkflowContext = {
    opts,
    data: makeTestData({ seed: opts.seed, blobDigest: opts.blobDigest, manifestDigest: opts.manifestDigest }),
    client: new RegistryClient({
      rootUrl: opts.rootUrl,
      namespace: opts.namespace,
      username: opts.username,
      password: opts.password,
      authScope: opts.authScope,
      timeoutMs: opts.requestTimeoutMs,
      log: opts.log,
    }),
  };
  describe(opts.title, () => {
    declarePull(ctx);
    declarePush(ctx);
    declareContentDiscovery(ctx);
    declareContentManagement(ctx);
  });
}
