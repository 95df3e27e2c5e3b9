import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { parseDockerManifestJson, type DockerArchiveItem } from "./docker-manifest-json.js";

interface Case {
  readonly what: string;
  readonly doc: string;
  readonly want?: readonly DockerArchiveItem[];
  readonly expectErr?: RegExp;
}

const HEX = "a".repeat(64);
const cases: readonly Case[] = [
  {
    what: "docker save",
    doc: `[{"Config":"${HEX}.json","RepoTags":["busybox:test","other/bb:v2"],"Layers":["${HEX}/layer.tar"]}]`,
    want: [{ config: `${HEX}.json`, repoTags: ["busybox:test", "other/bb:v2"], layers: [`${HEX}/layer.tar`] }],
  },
  {
    what: "untagged, no layers, extra keys",
    doc: `[{"Config":"c.json","RepoTags":null,"Layers":null,"Parent":"x","LayerSources":{}}]`,
    want: [{ config: "c.json", repoTags: [], layers: [] }],
  },
  { what: "registry with port", doc: `[{"Config":"c","RepoTags":["localhost:5000/a/b:1"],"Layers":[]}]`, want: [{ config: "c", repoTags: ["localhost:5000/a/b:1"], layers: [] }] },
  { what: "not JSON", doc: "{not json", expectErr: /manifest\.json.*\(document\): is not JSON/ },
  { what: "an object", doc: "{}", expectErr: /must be an array of images/ },
  { what: "empty", doc: "[]", expectErr: /lists no images/ },
  { what: "item not an object", doc: "[1]", expectErr: /\[0\]: must be an object/ },
  { what: "no Config", doc: `[{"Layers":[]}]`, expectErr: /\[0\]\.Config: must be the path/ },
  { what: "Layers not an array", doc: `[{"Config":"c","Layers":"x"}]`, expectErr: /\[0\]\.Layers: must be an array/ },
  { what: "a layer not a string", doc: `[{"Config":"c","Layers":["a",2]}]`, expectErr: /\[0\]\.Layers\[1\]: must be a path/ },
  { what: "RepoTag without tag", doc: `[{"Config":"c","RepoTags":["localhost:5000/busybox"],"Layers":[]}]`, expectErr: /RepoTags\[0\]: .*not name:tag/ },
  { what: "RepoTag with digest", doc: `[{"Config":"c","RepoTags":["busybox:1@sha256:${HEX}"],"Layers":[]}]`, expectErr: /RepoTags\[0\]/ },
  { what: "RepoTag upper case", doc: `[{"Config":"c","RepoTags":["BusyBox:1"],"Layers":[]}]`, expectErr: /RepoTags\[0\]: .*upper-case/ },
  { what: "RepoTag traversal", doc: `[{"Config":"c","RepoTags":["../../etc:1"],"Layers":[]}]`, expectErr: /RepoTags\[0\]/ },
];

describe("parseDockerManifestJson", () => {
  for (const c of cases) {
    it(c.what, () => {
      const bytes = Buffer.from(c.doc);
      if (c.expectErr === undefined) {
        assert.deepEqual(parseDockerManifestJson(bytes), c.want);
        return;
      }
      assert.throws(() => parseDockerManifestJson(bytes), (e: unknown) => {
        assert.ok(isBerthError(e, "INVALID_ARGUMENT"), String(e));
        assert.match(e.message, c.expectErr!);
        assert.ok(e.hint !== undefined);
        return true;
      });
    });
  }
});
