import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CopyOwnerError } from "./copy-errors.js";
import { parseChmod, parseChown } from "./copy-owner.js";

describe("parseChown", () => {
  let top = "";
  let rootfs = "";
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "berth-owner-"));
    rootfs = join(top, "rootfs");
    await mkdir(join(rootfs, "etc"), { recursive: true });
    await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\nbroken:x:abc:1::/:/bin/sh\n");
    await writeFile(join(rootfs, "etc/group"), "root:x:0:\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n");
    // A host /etc/passwd the image's link must never reach.
    await writeFile(join(top, "host-passwd"), "hostuser:x:4242:4242::/:/bin/sh\n");
  });
  after(async () => rm(top, { recursive: true, force: true }));

  const ok: readonly [string, number, number][] = [
    ["0", 0, 0], ["1000", 1000, 1000], ["1000:50", 1000, 50], ["app", 1000, 1000], ["app:staff", 1000, 50], ["nobody:nogroup", 65534, 65534],
    ["root:app", 0, 1000], ["65534:root", 65534, 0], ["007", 7, 7], ["4294967294", 4294967294, 4294967294],
  ];
  for (const [spec, uid, gid] of ok) {
    it(`${spec} → ${uid}:${gid}`, async () => assert.deepEqual(await parseChown(spec, rootfs), { uid, gid }));
  }

  const bad: readonly [string, RegExp][] = [
    ["nobody", /no group "nobody"/], ["nosuch", /no user "nosuch"/], ["1:2:3", /USER\[:GROUP\]/], [":5", /no user ""/], ["5:", /no group ""/],
    ["broken", /no user "broken"/], ["-1", /no user "-1"/], ["4294967295", /out of range/], ["app:nosuch", /no group "nosuch"/],
  ];
  for (const [spec, message] of bad) {
    it(`${JSON.stringify(spec)} is refused`, async () => {
      await assert.rejects(parseChown(spec, rootfs), (e: Error) => e instanceof CopyOwnerError && message.test(e.message));
    });
  }

  it("reads the image's /etc/passwd through its symlinks inside the rootfs, never the host's", async () => {
    const linked = join(top, "linked");
    await mkdir(join(linked, "etc"), { recursive: true });
    await mkdir(join(linked, "real"), { recursive: true });
    await writeFile(join(linked, "real/passwd"), "inside:x:77:77::/:/bin/sh\n");
    await symlink("/real/passwd", join(linked, "etc/passwd"));
    await symlink(`../../../../../../..${top}/host-passwd`, join(linked, "etc/group"));
    assert.deepEqual(await parseChown("inside:0", linked), { uid: 77, gid: 0 });
    await assert.rejects(parseChown("0:hostuser", linked), /no group "hostuser" in the image's \/etc\/group \(the file is missing\)/);
  });

  it("numeric ids need no account files; names without them fail saying so", async () => {
    const empty = join(top, "empty");
    await mkdir(empty);
    assert.deepEqual(await parseChown("12:34", empty), { uid: 12, gid: 34 });
    await assert.rejects(parseChown("app", empty), /the file is missing/);
  });

  it("does not hang on a FIFO planted at /etc/passwd", async () => {
    const fifo = join(top, "fifo");
    await mkdir(join(fifo, "etc"), { recursive: true });
    execFileSync("mkfifo", [join(fifo, "etc/passwd")]);
    await assert.rejects(parseChown("app", fifo), /no user "app"/);
  });
});

describe("parseChmod", () => {
  for (const [spec, mode] of [["755", 0o755], ["0644", 0o644], ["4755", 0o4755], ["0", 0], ["7777", 0o7777]] as const) {
    it(`${spec} → ${mode.toString(8)}`, () => assert.equal(parseChmod(spec), mode));
  }
  for (const spec of ["u+x", "888", "17777", "", "0x1ff", " 755"]) {
    it(`${JSON.stringify(spec)} is refused`, () => assert.throws(() => parseChmod(spec), CopyOwnerError));
  }
});
