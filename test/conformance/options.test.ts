import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { optionsFromEnv, resolveOptions } from "./options.js";

const base = { OCI_ROOT_URL: "http://127.0.0.1:5000", OCI_NAMESPACE: "a/b" };

describe("optionsFromEnv", () => {
  const cases: { name: string; env: NodeJS.ProcessEnv; check: (o: ReturnType<typeof resolveOptions>) => void; expectErr?: RegExp }[] = [
    {
      name: "runs no workflow unless its variable is true, like Go",
      env: { ...base, OCI_TEST_PULL: "1", OCI_TEST_PUSH: "true", OCI_TEST_CONTENT_DISCOVERY: "yes" },
      check: (o) => assert.deepEqual(o.enabled, { pull: true, push: true, contentDiscovery: false, contentManagement: false }),
    },
    {
      name: "deletes manifests first unless told otherwise; unparsable means false",
      env: { ...base, OCI_DELETE_MANIFEST_BEFORE_BLOBS: "nope" },
      check: (o) => assert.equal(o.deleteManifestBeforeBlobs, false),
    },
    {
      name: "skips the pull setup only when blob, manifest and tag are all named",
      env: { ...base, OCI_BLOB_DIGEST: "sha256:b", OCI_MANIFEST_DIGEST: "sha256:m", OCI_TAG_NAME: "t" },
      check: (o) => assert.equal(o.runPullSetup, false),
    },
    {
      name: "keeps the pull setup when only some are named",
      env: { ...base, OCI_BLOB_DIGEST: "sha256:b" },
      check: (o) => assert.equal(o.runPullSetup, true),
    },
    {
      name: "reads a tag list, which skips the discovery setup",
      env: { ...base, OCI_TAG_LIST: "a,b" },
      check: (o) => {
        assert.deepEqual(o.tagList, ["a", "b"]);
        assert.equal(o.runContentDiscoverySetup, false);
      },
    },
    {
      name: "leaves the automatic cross-mount checks off when unset, and names a random cross-mount repository",
      env: { ...base },
      check: (o) => {
        assert.equal(o.automaticCrossmount, undefined);
        assert.match(o.crossmountNamespace, /^conformance-[0-9a-f-]{36}$/);
        assert.equal(o.deleteManifestBeforeBlobs, true);
      },
    },
    { name: "needs OCI_ROOT_URL", env: { OCI_NAMESPACE: "a" }, check: () => undefined, expectErr: /OCI_ROOT_URL/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.expectErr !== undefined) {
        assert.throws(() => optionsFromEnv(c.env), c.expectErr);
        return;
      }
      c.check(resolveOptions(optionsFromEnv(c.env)));
    });
  }
});
