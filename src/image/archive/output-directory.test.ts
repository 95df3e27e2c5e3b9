import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBerthError } from "../../oci/index.js";
import { writeDirectory } from "./dir-writer.js";
import { ArchiveOutputError } from "./errors.js";
import { makeOutputDirectory } from "./output-directory.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-out-dir-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("makeOutputDirectory", () => {
  it("makes every missing level, and takes an existing directory or a symlink to one as it is", async () => {
    await makeOutputDirectory(join(dir, "a", "b", "c"));
    assert.ok((await stat(join(dir, "a", "b", "c"))).isDirectory());
    await makeOutputDirectory(join(dir, "a", "b", "c"));
    await mkdir(join(dir, "real"));
    await symlink("real", join(dir, "link"));
    await makeOutputDirectory(join(dir, "link", "d"));
    assert.ok((await stat(join(dir, "real", "d"))).isDirectory());
  });

  it("refuses a file on the way, naming the directory asked for and the file", async () => {
    await writeFile(join(dir, "file"), "");
    const target = join(dir, "file", "layout");
    await assert.rejects(makeOutputDirectory(target), (e: unknown) =>
      e instanceof ArchiveOutputError && e.path === target && e.message.includes(`${join(dir, "file")} exists and is not a directory`) && isBerthError(e, "FAILED_PRECONDITION"));
  });
});

describe("writeDirectory", () => {
  it("fails with ArchiveOutputError, not a bare errno error, where the layout cannot go", async () => {
    await writeFile(join(dir, "file"), "");
    const file = { path: "oci-layout", size: 2, content: Buffer.from("{}") };
    await assert.rejects(writeDirectory(join(dir, "file", "layout"), [file]), (e: unknown) => e instanceof ArchiveOutputError && e.hint !== undefined);
  });
});
