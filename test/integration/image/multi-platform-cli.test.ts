// A two-platform index in berth's store when only some of its platforms were
// pulled: what the name means (docker's: the platform last pulled), what save
// and push send (the whole index when they can, else that platform, saying
// what was left out), name@<platform manifest digest>, and copy's default.
// Against berth's own registry, with the CLI as users run it.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { missingTools } from "../../support/require-root.js";
import { berth, startBerthRegistry, type BerthServer } from "../../support/berth-server.js";
import { assertSucceeded, describeResult, run } from "../../support/run.js";
import { makeMultiPlatformLayout, type IndexFixture } from "../../fixtures/make-image.js";

const missing = missingTools(["/bin/busybox", "tar"]);
const skip = missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install busybox-static tar` : false;

interface IndexJson {
  manifests: { digest: string; annotations?: Record<string, string> }[];
}

describe("multi-platform images partly pulled, with the CLI", { skip, timeout: 300_000 }, () => {
  let tmp: TempDir;
  let reg: BerthServer;
  let multi: IndexFixture;
  let ref: string;
  let n = 0;
  /** A fresh store root and berth bound to it. */
  const root = (): ((...args: string[]) => ReturnType<typeof berth>) => {
    const dir = join(tmp.path, `root-${n++}`);
    return (...args: string[]) => berth(["--root", dir, ...args]);
  };
  const untar = async (file: string): Promise<string> => {
    const dir = join(tmp.path, `untar-${n++}`);
    await mkdir(dir);
    assertSucceeded(await run("tar", ["-xf", file, "-C", dir]));
    return dir;
  };
  const indexJson = async (dir: string): Promise<IndexJson> => JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as IndexJson;
  const amd64 = (): string => multi.images[0]!.manifest.digest;
  const arm64 = (): string => multi.images[1]!.manifest.digest;

  before(async () => {
    tmp = await tempDir("berth-multi-cli-");
    reg = await startBerthRegistry({ root: join(tmp.path, "reg") });
    const layout = join(tmp.path, "layout");
    multi = await makeMultiPlatformLayout(layout, "multi");
    ref = `${reg.host}/mp/multi:1`;
    assertSucceeded(await root()("copy", "--quiet", `oci:${layout}:multi`, ref));
  });
  after(async () => {
    await reg?.stop();
    await tmp?.[Symbol.asyncDispose]();
  });

  it("copy --help says copy takes every platform unless told", async () => {
    const help = assertSucceeded(await berth(["copy", "--help"])).stdout.replace(/\s+/g, " ");
    assert.match(help, /--platform <os\/arch\[\/variant\]> copy only this platform's image .*\(default: every platform;/);
  });

  it("pull --platform makes the name mean that platform: inspect, images and save show it", async () => {
    const b = root();
    assertSucceeded(await b("pull", "--quiet", "--no-unpack", "--platform", "linux/amd64", ref));
    assertSucceeded(await b("pull", "--quiet", "--no-unpack", "--platform", "linux/arm64", ref));
    const [shown] = JSON.parse(assertSucceeded(await b("image", "inspect", ref)).stdout) as { Id: string; Architecture: string }[];
    assert.equal(shown?.Architecture, "arm64", "the platform pulled last, as docker");
    assert.equal(shown?.Id, multi.images[1]!.config.digest);
    const listed = JSON.parse(assertSucceeded(await b("images", "--format", "json")).stdout) as { id: string }[];
    assert.deepEqual(listed.map((i) => i.id), [multi.images[1]!.config.digest]);
    const tarFile = join(tmp.path, "arm.tar");
    assertSucceeded(await b("save", "-o", tarFile, ref));
    const manifest = JSON.parse(await readFile(join(await untar(tarFile), "manifest.json"), "utf8")) as { Config: string }[];
    assert.equal(manifest[0]?.Config, `${multi.images[1]!.config.digest.slice(7)}.json`);
    // A tag carries the platform along.
    assertSucceeded(await b("tag", ref, `${reg.host}/mp/tagged:1`));
    const [tagged] = JSON.parse(assertSucceeded(await b("image", "inspect", `${reg.host}/mp/tagged:1`)).stdout) as { Architecture: string }[];
    assert.equal(tagged?.Architecture, "arm64");
  });

  it("save --format oci takes --platform, and without it saves the platform the store has, saying what it left out", async () => {
    const b = root();
    assertSucceeded(await b("pull", "--quiet", "--no-unpack", "--platform", "linux/amd64", ref));
    const chosen = join(tmp.path, "oci-amd64.tar");
    const r = await b("save", "--format", "oci", "--platform", "linux/amd64", "-o", chosen, ref);
    assert.equal(r.code, 0, describeResult(r));
    const dir = await untar(chosen);
    assert.deepEqual((await indexJson(dir)).manifests.map((m) => [m.digest, m.annotations?.["org.opencontainers.image.ref.name"]]), [[amd64(), "1"]]);
    // The layout is read back by its tag (ref.name is the tag).
    assertSucceeded(await root()("pull", "--quiet", "--no-unpack", `oci:${dir}:1`));
    const bad = await b("save", "--format", "oci", "--platform", "linux/arm64", "-o", join(tmp.path, "no.tar"), ref);
    assert.equal(bad.code, 3, describeResult(bad));
    assert.match(bad.stderr, /platform linux\/arm64 .* is not stored/);
    const byDefault = join(tmp.path, "oci-default.tar");
    const d = await b("save", "--format", "oci", "-o", byDefault, ref);
    assert.equal(d.code, 0, describeResult(d));
    assert.match(d.stderr, /saved linux\/amd64 of .*mp\/multi:1 only; the store lacks linux\/arm64/);
    assert.deepEqual((await indexJson(await untar(byDefault))).manifests.map((m) => m.digest), [amd64()]);
    // With every platform stored, the whole index, as before.
    assertSucceeded(await b("pull", "--quiet", "--no-unpack", "--all-platforms", ref));
    const whole = join(tmp.path, "oci-whole.tar");
    const w = await b("save", "--format", "oci", "-o", whole, ref);
    assert.doesNotMatch(w.stderr, /only; the store lacks/);
    assert.deepEqual((await indexJson(await untar(whole))).manifests.map((m) => m.digest), [multi.index.digest]);
  });

  it("pushes the platform the store has under a new name, and the whole index back where it came from", async () => {
    const b = root();
    assertSucceeded(await b("pull", "--quiet", "--no-unpack", "--platform", "linux/amd64", ref));
    const mirror = `${reg.host}/mp/m3:1`;
    assertSucceeded(await b("tag", ref, mirror));
    const pushed = await b("push", mirror);
    assert.equal(pushed.code, 0, describeResult(pushed));
    assert.match(pushed.stdout, new RegExp(`: ${amd64()}\\n$`));
    assert.match(pushed.stderr, /pushed linux\/amd64 of .*mp\/m3:1 only; the store lacks linux\/arm64/);
    const fresh = root();
    assert.match(assertSucceeded(await fresh("pull", "--quiet", "--no-unpack", mirror)).stdout, new RegExp(amd64()));
    // The source repository has the other platform: the index goes whole, silently.
    const back = await b("push", ref);
    assert.equal(back.code, 0, describeResult(back));
    assert.doesNotMatch(back.stderr, /only; the store lacks/);
    assert.match(back.stdout, new RegExp(`: ${multi.index.digest}\\n$`));
    // --platform names one; a platform not stored is refused with what to do.
    const one = await b("push", "--quiet", "--platform", "linux/amd64", ref, `${reg.host}/mp/one:1`);
    assert.match(one.stdout, new RegExp(`: ${amd64()}\\n$`), describeResult(one));
    const notStored = await b("push", "--quiet", "--platform", "linux/arm64", mirror);
    assert.equal(notStored.code, 3, describeResult(notStored));
    assert.match(notStored.stderr, /berth pull --platform linux\/arm64/);
  });

  it("resolves name@<digest> of a platform manifest the store holds inside an index", async () => {
    const b = root();
    assertSucceeded(await b("pull", "--quiet", "--no-unpack", "--platform", "linux/amd64", ref));
    const byDigest = `${reg.host}/mp/multi@${amd64()}`;
    const [shown] = JSON.parse(assertSucceeded(await b("image", "inspect", byDigest)).stdout) as { Id: string }[];
    assert.equal(shown?.Id, multi.images[0]!.config.digest);
    assertSucceeded(await b("tag", byDigest, `${reg.host}/mp/m4:1`));
    const pushed = await b("push", "--quiet", `${reg.host}/mp/m4:1`);
    assert.match(pushed.stdout, new RegExp(`: ${amd64()}\\n$`), describeResult(pushed));
    assert.match(assertSucceeded(await b("push", "--quiet", byDigest)).stdout, new RegExp(amd64()));
    const rmi = await b("rmi", byDigest);
    assert.equal(rmi.code, 1, describeResult(rmi));
    assert.match(rmi.stderr, /one platform's manifest inside a stored index/);
    const notStored = await b("image", "inspect", `${reg.host}/mp/multi@${arm64()}`);
    assert.equal(notStored.code, 1, "an entry the store lacks is not found");
  });
});
