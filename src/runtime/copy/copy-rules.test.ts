import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError, type ErrorCode } from "../../oci/index.js";
import { planCopy, type CopyDestination } from "./copy-rules.js";

type Dest = "missing" | "file" | "dir" | "no-parent";
const dest = (path: string, kind: Dest): CopyDestination => ({
  path, side: "container", exists: kind === "file" || kind === "dir", isDir: kind === "dir", parentIsDir: kind !== "no-parent",
});

describe("planCopy (docker cp's rules)", () => {
  const cases: readonly { name: string; src: string; srcIsDir: boolean; dest: string; kind: Dest; want?: { dir: string; name: string }; expectErr?: ErrorCode }[] = [
    { name: "file to a new path", src: "/etc/hosts", srcIsDir: false, dest: "/tmp/h", kind: "missing", want: { dir: "/tmp", name: "h" } },
    { name: "file onto a file", src: "/etc/hosts", srcIsDir: false, dest: "/tmp/h", kind: "file", want: { dir: "/tmp", name: "h" } },
    { name: "file into a directory", src: "/etc/hosts", srcIsDir: false, dest: "/tmp", kind: "dir", want: { dir: "/tmp", name: "hosts" } },
    { name: "file to a missing directory (trailing /)", src: "/etc/hosts", srcIsDir: false, dest: "/tmp/new/", kind: "missing", expectErr: "NOT_FOUND" },
    { name: "file onto a file named with a trailing /", src: "/etc/hosts", srcIsDir: false, dest: "/tmp/h/", kind: "file", expectErr: "FAILED_PRECONDITION" },
    { name: "file whose destination parent is missing", src: "/etc/hosts", srcIsDir: false, dest: "/nope/h", kind: "no-parent", expectErr: "NOT_FOUND" },
    { name: "a file given with a trailing /", src: "/etc/hosts/", srcIsDir: false, dest: "/tmp", kind: "dir", expectErr: "FAILED_PRECONDITION" },
    { name: "a file given with /.", src: "/etc/hosts/.", srcIsDir: false, dest: "/tmp", kind: "dir", expectErr: "FAILED_PRECONDITION" },
    { name: "dir to a new path: made, holding the contents", src: "/etc", srcIsDir: true, dest: "/tmp/e", kind: "missing", want: { dir: "/tmp", name: "e" } },
    { name: "dir/. to a new path: the same", src: "/etc/.", srcIsDir: true, dest: "/tmp/e", kind: "missing", want: { dir: "/tmp", name: "e" } },
    { name: "dir to a new path with a trailing /", src: "/etc", srcIsDir: true, dest: "/tmp/e/", kind: "missing", want: { dir: "/tmp", name: "e" } },
    { name: "dir into a directory", src: "/etc", srcIsDir: true, dest: "/tmp", kind: "dir", want: { dir: "/tmp", name: "etc" } },
    { name: "dir with a trailing / into a directory", src: "/etc/", srcIsDir: true, dest: "/tmp", kind: "dir", want: { dir: "/tmp", name: "etc" } },
    { name: "dir/. into a directory: the contents", src: "/etc/.", srcIsDir: true, dest: "/tmp", kind: "dir", want: { dir: "/tmp", name: "" } },
    { name: "dir onto a file", src: "/etc", srcIsDir: true, dest: "/tmp/h", kind: "file", expectErr: "FAILED_PRECONDITION" },
    { name: "dir whose destination parent is missing", src: "/etc", srcIsDir: true, dest: "/a/b", kind: "no-parent", expectErr: "NOT_FOUND" },
    { name: "relative names", src: "data", srcIsDir: true, dest: "out", kind: "missing", want: { dir: ".", name: "out" } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = () => planCopy({ path: c.src, isDir: c.srcIsDir }, dest(c.dest, c.kind));
      if (c.expectErr) {
        assert.throws(run, (e: unknown) => isBerthError(e, c.expectErr) && e.hint !== undefined && e.message.startsWith("copy: "));
        return;
      }
      assert.deepEqual(run(), c.want);
    });
  }
});
