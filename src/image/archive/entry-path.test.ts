import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { normalizeEntryPath, resolveLinkTarget } from "./entry-path.js";

interface PathCase {
  readonly name: string;
  readonly want?: string;
  readonly expectErr?: RegExp;
}

const paths: readonly PathCase[] = [
  { name: "manifest.json", want: "manifest.json" },
  { name: "./manifest.json", want: "manifest.json" },
  { name: "blobs//sha256/", want: "blobs/sha256" },
  { name: "a/./b", want: "a/b" },
  { name: "abc/layer.tar", want: "abc/layer.tar" },
  { name: "..foo/x", want: "..foo/x" },
  { name: "../evil", expectErr: /"\.\." component/ },
  { name: "a/../../evil", expectErr: /"\.\." component/ },
  { name: "a/..", expectErr: /"\.\." component/ },
  { name: "/etc/passwd", expectErr: /absolute paths are not allowed/ },
  { name: "", expectErr: /the name is empty/ },
  { name: "./", expectErr: /the name is empty/ },
  { name: "a\0b", expectErr: /NUL byte/ },
];

describe("normalizeEntryPath", () => {
  for (const c of paths) {
    it(`${JSON.stringify(c.name)} → ${c.want ?? c.expectErr}`, () => {
      if (c.expectErr === undefined) {
        assert.equal(normalizeEntryPath(c.name), c.want);
        return;
      }
      assert.throws(() => normalizeEntryPath(c.name), (e: unknown) => {
        assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
        assert.match(e.message, c.expectErr!);
        assert.ok(e.message.includes(JSON.stringify(c.name)), "the error names the entry");
        return true;
      });
    });
  }
});

interface LinkCase {
  readonly entry: string;
  readonly target: string;
  readonly kind: "symlink" | "link";
  readonly want?: string;
  readonly expectErr?: RegExp;
}

const links: readonly LinkCase[] = [
  // skopeo's docker-archive: <legacy id>/layer.tar → ../<diffID>.tar
  { entry: "abc/layer.tar", target: "../def.tar", kind: "symlink", want: "def.tar" },
  { entry: "abc/layer.tar", target: "other", kind: "symlink", want: "abc/other" },
  { entry: "a/b/c", target: "../../x", kind: "symlink", want: "x" },
  { entry: "abc/layer.tar", target: "def/layer.tar", kind: "link", want: "def/layer.tar" },
  { entry: "abc/layer.tar", target: "../../etc/passwd", kind: "symlink", expectErr: /points outside the archive/ },
  { entry: "layer.tar", target: "../x", kind: "symlink", expectErr: /points outside the archive/ },
  { entry: "abc/layer.tar", target: "/etc/passwd", kind: "symlink", expectErr: /points outside the archive/ },
  { entry: "abc/layer.tar", target: "../x", kind: "link", expectErr: /points outside the archive/ },
  { entry: "abc/layer.tar", target: "..", kind: "symlink", want: undefined, expectErr: /points outside|empty/ },
  { entry: "abc/layer.tar", target: "", kind: "symlink", expectErr: /empty target/ },
];

describe("resolveLinkTarget", () => {
  for (const c of links) {
    it(`${c.kind} ${c.entry} → ${c.target}`, () => {
      if (c.expectErr === undefined) {
        assert.equal(resolveLinkTarget(c.entry, c.target, c.kind), c.want);
        return;
      }
      assert.throws(() => resolveLinkTarget(c.entry, c.target, c.kind), c.expectErr);
    });
  }
});
