import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { pack as tarPack } from "tar-stream";
import { readArMembers, readDeb } from "./deb-archive.js";
import { RootfsTree } from "./rootfs-tree.js";

interface Member { name: string; type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo"; linkname?: string; data?: string }

async function tar(members: readonly Member[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const m of members) {
    const type = m.type ?? "file";
    await new Promise<void>((resolve, reject) => {
      const h = { name: m.name, type, mode: 0o644, mtime: new Date(0), ...(m.linkname && { linkname: m.linkname }) };
      const cb = (e?: Error | null): void => (e ? reject(e) : resolve());
      if (type === "file") p.entry(h, m.data ?? "", cb);
      else p.entry(h, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** An `ar` archive as dpkg-deb writes it: global magic, 60-byte headers, even padding. */
function ar(members: readonly { name: string; data: Buffer; size?: number }[]): Buffer {
  const parts: Buffer[] = [Buffer.from("!<arch>\n")];
  for (const m of members) {
    const h = `${m.name.padEnd(16)}${"0".padEnd(12)}${"0".padEnd(6)}${"0".padEnd(6)}${"100644".padEnd(8)}${String(m.size ?? m.data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(h, "latin1"), m.data, Buffer.alloc(m.data.length % 2, "\n"));
  }
  return Buffer.concat(parts);
}

const xz = (b: Buffer): Buffer => spawnSync("xz", ["-c"], { input: b, maxBuffer: 1 << 26 }).stdout;

async function deb(data: readonly Member[], compress: "gz" | "xz" | "none" = "gz"): Promise<Buffer> {
  const control = gzipSync(await tar([{ name: "./control", data: "Package: hello\nVersion: 1.0\nArchitecture: all\n" }, { name: "./md5sums", data: "0  usr/bin/hello\n" }]));
  const raw = await tar(data);
  const member = compress === "gz" ? { name: "data.tar.gz", data: gzipSync(raw) } : compress === "xz" ? { name: "data.tar.xz", data: xz(raw) } : { name: "data.tar", data: raw };
  return ar([{ name: "debian-binary", data: Buffer.from("2.0\n") }, { name: "control.tar.gz", data: control }, member]);
}

const GOOD: Member[] = [
  { name: "./", type: "directory" },
  { name: "./usr/", type: "directory" },
  { name: "./usr/bin/", type: "directory" },
  { name: "./usr/bin/hello", data: "#!hello\n" },
  { name: "./usr/bin/hi", type: "symlink", linkname: "hello" },
  { name: "./usr/bin/hello2", type: "link", linkname: "./usr/bin/hello" },
];

describe("readDeb", () => {
  for (const c of ["gz", "xz", "none"] as const) {
    it(`reads control and data (${c})`, async () => {
      const d = await readDeb(await deb(GOOD, c), "hello_1.0_all.deb");
      assert.match(d.control, /^Package: hello$/m);
      assert.equal(d.md5sums, "0  usr/bin/hello\n");
      assert.deepEqual(d.data.map((e) => `${e.path} ${e.type}`), GOOD.map((m) => `${m.name} ${m.type ?? "file"}`));
      const tree = new RootfsTree();
      for (const e of d.data) tree.add(e, "hello.deb");
      assert.equal(tree.get("usr/bin/hello")?.data?.toString(), "#!hello\n");
      assert.equal(tree.get("usr/bin/hello2")?.linkname, "usr/bin/hello");
    });
  }

  const bad: { name: string; make: () => Promise<Buffer>; expectErr: RegExp }[] = [
    { name: "not an ar archive", make: async () => Buffer.from("PK\x03\x04 zip"), expectErr: /x\.deb: not an ar archive/ },
    { name: "member size past the end", make: async () => ar([{ name: "debian-binary", data: Buffer.from("2.0\n"), size: 999 }]), expectErr: /x\.deb: ar member "debian-binary" has a bad size/ },
    { name: "missing data member", make: async () => ar([{ name: "debian-binary", data: Buffer.from("2.0\n") }, { name: "control.tar.gz", data: gzipSync(await tar([])) }]), expectErr: /x\.deb: missing control\.tar or data\.tar/ },
    { name: "wrong format version", make: async () => ar([{ name: "debian-binary", data: Buffer.from("3.0\n") }]), expectErr: /debian-binary 2\.x/ },
    {
      name: "unknown compression",
      make: async () => ar([{ name: "debian-binary", data: Buffer.from("2.0\n") }, { name: "control.tar.gz", data: gzipSync(await tar([{ name: "./control", data: "Package: x\n" }])) }, { name: "data.tar.bz2", data: Buffer.from("BZh") }]),
      expectErr: /data\.tar\.bz2: unknown compression/,
    },
    {
      name: "corrupt xz",
      make: async () => ar([{ name: "debian-binary", data: Buffer.from("2.0\n") }, { name: "control.tar.gz", data: gzipSync(await tar([{ name: "./control", data: "Package: x\n" }])) }, { name: "data.tar.xz", data: Buffer.from("\xfd7zXZ\0garbage", "latin1") }]),
      expectErr: /x\.deb: xz failed/,
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming the file`, async () => {
      await assert.rejects(async () => readDeb(await c.make(), "x.deb"), c.expectErr);
    });
  }

  it("reads ar members with GNU-style trailing slashes and odd sizes", () => {
    const a = ar([{ name: "a/", data: Buffer.from("odd") }, { name: "b", data: Buffer.from("xy") }]);
    assert.deepEqual(readArMembers(a, "t").map((m) => `${m.name}=${m.data.toString()}`), ["a=odd", "b=xy"]);
  });
});

describe("hostile .deb members are refused when placed", () => {
  const hostile: { name: string; member: Member; expectErr: RegExp }[] = [
    { name: "dot-dot path", member: { name: "./usr/../../etc/passwd", data: "x" }, expectErr: /evil\.deb: ".*": path with '\.\.'/ },
    { name: "absolute path", member: { name: "/etc/passwd", data: "x" }, expectErr: /evil\.deb: "\/etc\/passwd": absolute path/ },
    { name: "symlink escaping the root", member: { name: "./usr/bin/esc", type: "symlink", linkname: "../../../etc/shadow" }, expectErr: /symlink to \.\.\/\.\.\/\.\.\/etc\/shadow leaves the image root/ },
    { name: "hard link to a file outside the package", member: { name: "./usr/bin/h", type: "link", linkname: "../../etc/shadow" }, expectErr: /path with '\.\.'/ },
    { name: "hard link to a file not (yet) in the tree", member: { name: "./usr/bin/h", type: "link", linkname: "./etc/shadow" }, expectErr: /hard link to etc\/shadow, which is not a file/ },
    { name: "character device", member: { name: "./dev/mem", type: "character-device" }, expectErr: /entry type other is not allowed/ },
    { name: "fifo", member: { name: "./run/fifo", type: "fifo" }, expectErr: /entry type other is not allowed/ },
  ];
  for (const c of hostile) {
    it(c.name, async () => {
      const d = await readDeb(await deb([...GOOD, c.member]), "evil.deb");
      const tree = new RootfsTree();
      assert.throws(() => {
        for (const e of d.data) tree.add(e, "evil.deb");
      }, c.expectErr);
    });
  }

  it("a file below a symlink the package made is refused", async () => {
    const d = await readDeb(await deb([{ name: "./etc", type: "symlink", linkname: "/" }, { name: "./etc/passwd", data: "root::0:0::/:/bin/sh\n" }]), "evil.deb");
    const tree = new RootfsTree();
    assert.throws(() => {
      for (const e of d.data) tree.add(e, "evil.deb");
    }, /"\.\/etc\/passwd": placed below symlink etc/);
  });
});
