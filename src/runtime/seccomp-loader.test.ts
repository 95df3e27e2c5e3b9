import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isBerthError } from "../oci/index.js";
import { loadSeccompProfile } from "./seccomp-loader.js";

describe("loadSeccompProfile", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-sc-"));
    await writeFile(join(dir, "ok.json"), '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}');
    await writeFile(join(dir, "bad.json"), "{nope");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("unconfined means none", async () => assert.equal(await loadSeccompProfile("unconfined"), undefined));
  it("a missing default profile means none", async () => assert.equal(await loadSeccompProfile(undefined, join(dir, "absent.json")), undefined));
  it("the default profile when present", async () => {
    const loaded = await loadSeccompProfile(undefined, join(dir, "ok.json"));
    assert.equal(loaded?.source, join(dir, "ok.json"));
    assert.equal(loaded?.isDefault, true);
  });
  it("a named profile", async () => assert.deepEqual(await loadSeccompProfile(join(dir, "ok.json")), { profile: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [] }, source: join(dir, "ok.json"), isDefault: false }));
  it("a named profile that is missing", async () => {
    await assert.rejects(loadSeccompProfile(join(dir, "absent.json")), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /^--security-opt seccomp=.*absent\.json: cannot read/.test(e.message));
  });
  it("a profile that is not JSON", async () => {
    await assert.rejects(loadSeccompProfile(join(dir, "bad.json")), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /not JSON/.test(e.message));
  });
  it("reads a profile once while its file is unchanged, and again once it changes", async () => {
    const path = join(dir, "changing.json");
    await writeFile(path, '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}');
    const first = await loadSeccompProfile(path);
    const again = await loadSeccompProfile(path);
    assert.equal(again?.profile, first?.profile, "the same parsed profile, not a new parse");
    assert.ok(Object.isFrozen(first?.profile), "shared, so frozen");
    // Same size, written at once: the file's times may not tell the change, its text does.
    await writeFile(path, '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}');
    assert.deepEqual((await loadSeccompProfile(path))?.profile, { defaultAction: "SCMP_ACT_ERRNO", syscalls: [] });
  });
  it("a named profile removed after it was read is missing", async () => {
    const path = join(dir, "removed.json");
    await writeFile(path, "{}");
    assert.ok(await loadSeccompProfile(path));
    await rm(path);
    await assert.rejects(loadSeccompProfile(path), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /cannot read/.test(e.message));
  });
});
