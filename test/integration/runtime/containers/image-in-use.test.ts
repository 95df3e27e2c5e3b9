// A container keeps its image, as docker's do: rmi and image prune leave the
// layers of every container's image (created, exited or running) in place.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { makeTextLayout } from "../../../fixtures/make-image.js";
import { IMAGE, useSession, type BerthSession } from "./berth-session.js";

/** The unpacked layers under the root. */
const snapshots = async (s: BerthSession): Promise<string[]> =>
  (await readdir(join(s.root, "snapshots")).catch(() => [] as string[])).filter((n) => !n.startsWith(".")).sort();

/** IMAGE's id as `images` prints it (12 hex digits). */
const shortImageId = async (s: BerthSession): Promise<string> => {
  const [inspected] = JSON.parse(await s.ok(["image", "inspect", IMAGE])) as { Id: string }[];
  return inspected!.Id.replace(/^sha256:/, "").slice(0, 12);
};

describe("images in use by containers (rmi, image prune)", () => {
  const session = useSession();

  it("a created container: rmi refused naming it, rmi -f untags and start still works, prune keeps the layers until rm", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "keeper");
    const id = (await s.ok(["create", "--name", "keeper", "--network", "none", IMAGE, "/bin/busybox", "echo", "kept"])).trim();
    const imageId = await shortImageId(s);
    const layers = await snapshots(s);
    assert.notDeepEqual(layers, []);

    const byName = await s.berth(["rmi", IMAGE]);
    assert.equal(byName.code, 1, byName.stderr);
    assert.match(byName.stderr, new RegExp(`container ${id.slice(0, 12)} uses it`));
    const byId = await s.berth(["rmi", imageId]);
    assert.equal(byId.code, 1, byId.stderr);
    assert.match(byId.stderr, new RegExp(`stopped container ${id.slice(0, 12)}`));
    assert.match(await s.ok(["images"]), /localhost\/busybox\s+t1/, "refused: the name stays");

    await s.ok(["image", "prune"]);
    assert.deepEqual(await snapshots(s), layers, "prune keeps a created container's layers");

    assert.match(await s.ok(["rmi", "-f", IMAGE]), /Untagged: localhost\/busybox:t1/);
    assert.doesNotMatch(await s.ok(["images"]), /busybox/);
    await s.ok(["image", "prune"]);
    assert.deepEqual(await snapshots(s), layers, "the untagged image's layers stay for the container");

    await s.ok(["start", "keeper"]);
    assert.equal((await s.ok(["wait", "keeper"])).trim(), "0");
    assert.equal(await s.ok(["logs", "keeper"]), "kept\n");

    await s.ok(["rm", "keeper"]);
    assert.match(await s.ok(["image", "prune"]), /removed \d+ unpacked layers/);
    assert.deepEqual(await snapshots(s), [], "with the container gone, prune removes its layers");
    await s.ok(["pull", "--quiet", s.fx.location]);
  });

  it("a running container: rmi -f by id refused, rmi -f by name untags, exec still finds /bin/sh, prune keeps the layers", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "runner");
    const id = await s.detached(["--name", "runner", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const imageId = await shortImageId(s);
    const layers = await snapshots(s);

    const forced = await s.berth(["rmi", "-f", imageId]);
    assert.equal(forced.code, 1, forced.stderr);
    assert.match(forced.stderr, new RegExp(`running container ${id.slice(0, 12)} uses it, and -f cannot override that`));

    await s.ok(["rmi", "-f", IMAGE]);
    await s.ok(["image", "prune"]);
    assert.deepEqual(await snapshots(s), layers);
    assert.equal(await s.ok(["exec", "runner", "/bin/sh", "-c", "echo alive"]), "alive\n");

    await s.ok(["rm", "-f", "runner"]);
    await s.ok(["image", "prune"]);
    assert.deepEqual(await snapshots(s), []);
    await s.ok(["pull", "--quiet", s.fx.location]);
  });

  it("image prune -a: asks unless -f; removes every image no container uses; an image in use keeps its last name, as docker", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "pinned");
    await s.ok(["create", "--name", "pinned", "--network", "none", IMAGE, "/bin/busybox", "echo", "pinned"]);
    const layers = await snapshots(s);
    // docker tries an image's names in the byte order of the full reference and keeps the last (its delete refuses the last name of an image in use).
    await s.ok(["tag", IMAGE, "zz.example/keep:1"]);
    await s.ok(["tag", IMAGE, "aa:1"]);
    await makeTextLayout(join(s.fx.tmp.path, "unused"), "u1");
    await s.ok(["pull", "--quiet", `oci:${join(s.fx.tmp.path, "unused")}:u1`]);
    const [unused] = JSON.parse(await s.ok(["image", "inspect", "localhost/unused:u1"])) as { Id: string }[];

    for (const input of ["", "n\n"]) {
      const declined = await s.berth(["image", "prune", "-a"], { input });
      assert.equal(declined.code, 1, declined.stderr);
      assert.match(declined.stdout, /^WARNING! This will remove all images without at least one container associated to them\.\nAre you sure you want to continue\? \[y\/N\] /);
      assert.match(declined.stderr, /image prune cancelled: nothing was removed/);
    }
    assert.match(await s.ok(["images"]), /localhost\/unused/);

    const out = await s.ok(["image", "prune", "-a"], { input: "y\n" });
    const report = out.slice(out.indexOf("Deleted Images:"));
    assert.match(report, new RegExp("^Deleted Images:\nuntagged: aa:1\nuntagged: localhost/busybox:t1\n"
      + `(?:untagged: localhost/unused:u1\ndeleted: ${unused!.Id}\n(?:deleted: sha256:[0-9a-f]{64}\n)+)`
      + "\n(?:removed \\d+ unpacked layers\n)?Total reclaimed space: .+\n$"), out);
    assert.deepEqual((await s.ok(["images", "--format", "{{.Repository}}:{{.Tag}}"])).trim().split("\n"), ["zz.example/keep:1"]);
    assert.deepEqual(await snapshots(s), layers, "the container's image keeps its layers");
    assert.equal(await s.ok(["image", "prune", "-a", "-f"]), "Total reclaimed space: 0 B\n", "-f does not ask; nothing more to remove");

    await s.ok(["start", "pinned"]);
    assert.equal((await s.ok(["wait", "pinned"])).trim(), "0");
    await s.ok(["rm", "pinned"]);
    assert.match(await s.ok(["image", "prune", "-af"]), /^Deleted Images:\nuntagged: zz\.example\/keep:1\ndeleted: sha256:/);
    assert.equal((await s.ok(["images", "-q"])), "");
    assert.deepEqual(await snapshots(s), []);
    await s.ok(["pull", "--quiet", s.fx.location]);
  });

  it("image prune -a --filter: until= and label= choose the images; a bad filter or one without -a is refused", async (t) => {
    const s = await session(t);
    if (!s) return;
    await makeTextLayout(join(s.fx.tmp.path, "old"), "o1");
    await s.ok(["pull", "--quiet", `oci:${join(s.fx.tmp.path, "old")}:o1`]);
    // The fixtures are dated FIXTURE_CREATED, years ago: until=1h passes them, a time before that does not.
    assert.equal(await s.ok(["image", "prune", "-af", "--filter", "until=2000-01-01T00:00:00Z"]), "Total reclaimed space: 0 B\n");
    assert.equal(await s.ok(["image", "prune", "-af", "--filter", "label=no.such.label"]), "Total reclaimed space: 0 B\n");
    assert.match(await s.ok(["image", "prune", "-af", "--filter", "until=1h", "--filter", "label!=no.such.label"]), /untagged: localhost\/busybox:t1\n[^]*untagged: localhost\/old:o1\n/);
    assert.equal(await s.ok(["images", "-q"]), "");
    for (const args of [["--filter", "bogus=1", "-af"], ["--filter", "until=soon", "-af"], ["--filter", "until=1h"]]) {
      const r = await s.berth(["image", "prune", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /hint: /);
    }
    await s.ok(["pull", "--quiet", s.fx.location]);
  });

  it("prune keeps the image of a created container whose name tag moved to another image", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "moved");
    await s.ok(["create", "--name", "moved", "--network", "none", IMAGE, "/bin/busybox", "echo", "still here"]);
    const layers = await snapshots(s);
    await makeTextLayout(join(s.fx.tmp.path, "text"), "other");
    await s.ok(["pull", "--quiet", `oci:${join(s.fx.tmp.path, "text")}:other`]);
    await s.ok(["tag", "localhost/text:other", IMAGE]);
    await s.ok(["rmi", "localhost/text:other"]);
    await s.ok(["image", "prune"]);
    for (const layer of layers) assert.ok((await snapshots(s)).includes(layer), `layer ${layer} of the container's image was pruned`);
    await s.ok(["start", "moved"]);
    assert.equal((await s.ok(["wait", "moved"])).trim(), "0");
    assert.equal(await s.ok(["logs", "moved"]), "still here\n");
    await s.ok(["rm", "moved"]);
    await s.ok(["rmi", IMAGE]);
    await s.ok(["image", "prune"]);
    assert.deepEqual(await snapshots(s), []);
    await s.ok(["pull", "--quiet", s.fx.location]);
  });
});
