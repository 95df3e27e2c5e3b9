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

  it("inspect without --type finds an image, a network or a volume by name, as docker's; a name none has is `no such object`", async () => {
    assertSucceeded(await b("volume", "create", "vol-seen"));
    assertSucceeded(await b("network", "create", "net-seen"));
    const r = await b("inspect", "-f", "{{if .Id}}{{.Id}}{{else}}{{.Name}}{{end}}", IMAGE, "nosuch", "net-seen", "vol-seen", "nosuch:2");
    assert.equal(r.code, 1, r.stderr);
    const [image, network, volume] = r.stdout.trimEnd().split("\n");
    assert.match(image ?? "", /^sha256:[0-9a-f]{64}$/);
    assert.match(network ?? "", /^[0-9a-f]{64}$/, "a network's Id");
    assert.equal(volume, "vol-seen");
    assert.equal(r.stderr, "berth: no such object: nosuch\nberth: no such object: nosuch:2\n");
    const typed = await b("inspect", "--type", "volume", "-f", "{{.Name}}", "vol-seen", "net-seen");
    assert.equal(typed.code, 1, typed.stderr);
    assert.equal(typed.stdout, "vol-seen\n");
    assert.equal(typed.stderr, "berth: no such volume: net-seen\n");
    const bad = await b("inspect", "--type", "plugin", "x");
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--type plugin[^]*hint: give one of container, image, network, volume/);
    assertSucceeded(await b("volume", "rm", "vol-seen"));
    assertSucceeded(await b("network", "rm", "net-seen"));
  });
});
