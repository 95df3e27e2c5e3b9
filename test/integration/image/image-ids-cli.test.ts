// The IMAGE ID `berth images` prints names the image everywhere, and the
// multi-name image commands go on past a name that fails, as docker's.
import assert from "node:assert/strict";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { berth } from "../../support/berth-server.js";
import { missingTools } from "../../support/require-root.js";
import { assertSucceeded } from "../../support/run.js";
import { makeRuntimeFixture, type RuntimeFixture } from "../runtime/runtime-fixture.js";

const IMAGE = "localhost/busybox:t1";
const missing = missingTools(["/bin/busybox"]);

describe("image ids and several names on the command line", { skip: missing.length > 0 ? `needs ${missing.join(", ")}` : false }, () => {
  let fx: RuntimeFixture;
  const b = (...args: string[]) => berth(["--root", fx.root, ...args]);
  before(async () => {
    fx = await makeRuntimeFixture();
  });
  after(async () => fx?.tmp.remove());

  it("takes the IMAGE ID `images` prints, short, full or with sha256:, in inspect, tag, save and rmi; -q prints it once", async () => {
    const row = assertSucceeded(await b("images")).stdout.split("\n").find((l) => l.startsWith("localhost/busybox"));
    const short = row?.split(/\s{2,}/)[2];
    assert.match(short ?? "", /^[0-9a-f]{12}$/, `images printed ${row}`);
    const [inspected] = JSON.parse(assertSucceeded(await b("image", "inspect", short!)).stdout) as { Id: string }[];
    assert.ok(inspected!.Id.startsWith(`sha256:${short}`));
    const full = inspected!.Id;
    for (const ref of [full, full.slice(7), `sha256:${short}`]) {
      const r = JSON.parse(assertSucceeded(await b("image", "inspect", ref)).stdout) as { Id: string }[];
      assert.equal(r[0]?.Id, full, ref);
    }
    assertSucceeded(await b("tag", short!, "copy/busybox:by-id"));
    assert.equal(assertSucceeded(await b("images", "-q")).stdout, `${short}\n`, "two names, one image: one id");
    assertSucceeded(await b("save", "-o", join(fx.tmp.path, "by-id.tar"), `sha256:${short}`));
    await access(join(fx.tmp.path, "by-id.tar"));
    const refused = await b("rmi", short!);
    assert.equal(refused.code, 1, "an id of an image with two names needs -f");
    assert.match(refused.stderr, /copy\/busybox:by-id/);
    const removed = assertSucceeded(await b("rmi", "-f", short!)).stdout;
    assert.match(removed, /Untagged: localhost\/busybox:t1/);
    assert.match(removed, /Untagged: docker\.io\/copy\/busybox:by-id/);
    assert.equal(assertSucceeded(await b("images", "-q")).stdout, "");
    assertSucceeded(await b("pull", "--quiet", fx.location));
  });

  it("rmi and image inspect go on past a missing name: the others done, an error each, exit 1", async () => {
    assertSucceeded(await b("tag", IMAGE, "other:1"));
    const rmi = await b("rmi", "nosuch:tag", "other:1");
    assert.equal(rmi.code, 1, rmi.stderr);
    assert.match(rmi.stderr, /nosuch:tag: not found/);
    assert.match(rmi.stdout, /Untagged: docker\.io\/library\/other:1/);
    assert.doesNotMatch(assertSucceeded(await b("images")).stdout, /other/);

    const both = await b("image", "inspect", IMAGE, "nosuch:tag", IMAGE, "nosuch:2");
    assert.equal(both.code, 1, both.stderr);
    const found = JSON.parse(both.stdout) as { RepoTags: string[] }[];
    assert.deepEqual(found.map((i) => i.RepoTags), [[IMAGE], [IMAGE]]);
    assert.equal(both.stderr, "berth: no such image: nosuch:tag\nberth: no such image: nosuch:2\n", "docker's one line per missing name");

    const templated = await b("image", "inspect", "-f", "{{.Id}}", "nosuch:tag", IMAGE);
    assert.equal(templated.code, 1, templated.stderr);
    assert.match(templated.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(templated.stderr, "berth: no such image: nosuch:tag\n");

    const none = await b("image", "inspect", "nosuch:tag");
    assert.equal(none.code, 1);
    assert.deepEqual(JSON.parse(none.stdout), []);
  });
});
