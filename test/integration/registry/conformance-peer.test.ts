import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { conformanceSuite } from "../../conformance/suite.js";
import { missingTools } from "../../support/require-root.js";
import { startDistribution, type StartedDistribution } from "../../support/distribution.js";

// The conformance port run against CNCF distribution 2.8 (Debian's docker-registry):
// a registry that is right about everything it implements, so a failure here is
// a bug in the port, not in the registry.

if (missingTools(["docker-registry"]).length > 0) {
  it("OCI conformance against distribution 2.8", { skip: "needs docker-registry (apt-get install docker-registry)" }, () => {});
} else {
  let dir: string | undefined;
  let peer: StartedDistribution | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-conformance-"));
    peer = await startDistribution({ dir });
  });
  after(async () => {
    try {
      await peer?.stop();
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  });
  conformanceSuite({
    rootUrl: () => {
      if (peer === undefined) throw new Error("distribution did not start; see the error of the before hook");
      return peer.url;
    },
    namespace: "conformance/peer",
    crossmountNamespace: "conformance/peer-crossmount",
    // Each of these fails on 2.8 because of the registry; each was checked by hand against its log.
    skip: {
      referrers: "distribution 2.8 predates the referrers API",
      errorCodes: "distribution 2.8 answers 500 UNKNOWN to a manifest reference that is neither a tag nor a valid digest",
      outOfOrderChunks: "distribution 2.8 ignores Content-Range on PATCH and accepts an out-of-order chunk with 202",
      staleUploadSession: "distribution 2.8 refuses an upload Location whose _state offset is stale with 404 BLOB_UPLOAD_INVALID",
      tagPagination: "distribution 2.8 ignores the n and last parameters of the tag list",
      tagDeletion: "distribution 2.8 cannot delete a tag and answers 400 DIGEST_INVALID instead of 202 or UNSUPPORTED",
    },
  });
}
