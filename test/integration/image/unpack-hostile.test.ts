import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createHash } from "node:crypto";
import { chmod, chown, lstat, mkdir, readdir, readFile, readlink, writeFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { ContentStore } from "../../../src/content/index.js";
import { isBerthError, MediaType, parseDigest, type Digest } from "../../../src/oci/index.js";
import {
  extractLayer, SnapshotStore, unpackImage, type ExtractWarning, type WhiteoutFormat,
} from "../../../src/image/unpack/index.js";
import { hostileLayers, type HostileLayer } from "../../fixtures/hostile-layers.js";
import { findTool, isRoot } from "../../support/require-root.js";
import { run } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";

const sha256 = (b: Buffer): Digest => parseDigest(`sha256:${createHash("sha256").update(b).digest("hex")}`);
const NOBODY = 65534;

/** Everything observable about the sentinel tree: metadata, contents, link targets, xattrs. */
async function snapshotTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const p = join(root, rel);
    const st = await lstat(p);
    let extra = "";
    if (st.isFile()) extra = createHash("sha256").update(await readFile(p)).digest("hex");
    else if (st.isSymbolicLink()) extra = await readlink(p);
    out.push(`${rel} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${st.nlink} ${st.ino} ${extra}`);
    if (st.isDirectory()) for (const name of (await readdir(p)).sort()) await walk(join(rel, name));
  };
  await walk(".");
  const getfattr = findTool("getfattr");
  if (getfattr !== undefined) {
    const r = await run(getfattr, ["-R", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", root]);
    out.push(`xattrs: ${r.stdout}`);
  }
  return out;
}

function checkError(c: HostileLayer, e: unknown): boolean {
  assert.ok(c.expect.kind === "error");
  assert.ok(isBerthError(e), `expected a BerthError, got ${String(e)}`);
  assert.match(e.message, c.expect.match);
  if (c.expect.entry !== undefined) assert.ok(e.message.includes(`entry ${JSON.stringify(c.expect.entry)}`), `error names the entry: ${e.message}`);
  return true;
}

async function checkNeutralised(c: HostileLayer, dest: string, warnings: readonly ExtractWarning[]): Promise<void> {
  assert.ok(c.expect.kind === "neutralised");
  for (const p of c.expect.inside) await lstat(join(dest, p)).catch(() => assert.fail(`${p} should exist inside the destination`));
  const pattern = c.expect.warning;
  if (pattern !== undefined) assert.ok(warnings.some((w) => pattern.test(w.message)), `a warning matches ${pattern}: ${JSON.stringify(warnings)}`);
}

describe("hostile layer corpus", async () => {
  const dir: TempDir = await tempDir("berth-hostile-");
  const sentinel = join(dir.path, "sentinel");
  const cases = await hostileLayers(sentinel);
  let before_: string[] = [];
  let topLevel: string[] = [];
  const formats: WhiteoutFormat[] = isRoot() ? ["overlay", "marker", "apply"] : ["marker", "apply"];

  before(async () => {
    await mkdir(join(sentinel, "dir"), { recursive: true });
    await writeFile(join(sentinel, "passwd"), "sentinel\n", { mode: 0o400 });
    await writeFile(join(sentinel, "dir", "inner"), "inner\n", { mode: 0o600 });
    await symlink("passwd", join(sentinel, "link"));
    await mkdir(join(dir.path, "dests"));
    before_ = await snapshotTree(sentinel);
    topLevel = (await readdir(dir.path)).sort();
  });

  after(async () => {
    try {
      // Checked once more after every case ran: nothing reached the sentinel or beside it.
      assert.deepEqual(await snapshotTree(sentinel), before_);
      assert.deepEqual((await readdir(dir.path)).sort(), topLevel);
    } finally {
      await dir.remove();
    }
  });

  it("has at least 12 cases", () => {
    assert.ok(cases.length >= 12, `${cases.length} cases`);
  });

  for (const c of cases.filter((c) => c.blob === undefined && c.wrongDiffId !== true)) {
    for (const format of formats) {
      it(`${c.name} (${format})`, async () => {
        const dest = join(dir.path, "dests", `${c.name}-${format}`);
        await mkdir(dest);
        const warnings: ExtractWarning[] = [];
        const extracting = extractLayer(Readable.from([c.tar])[Symbol.asyncIterator](), dest, {
          layer: `hostile/${c.name}`, whiteouts: format, onWarning: (w) => warnings.push(w),
          ...(c.unprivileged === true ? { privileged: false } : {}),
          ...(format === "overlay" && c.unprivileged === true ? { whiteouts: "marker" as const } : {}),
        });
        if (c.expect.kind === "error") await assert.rejects(extracting, (e) => checkError(c, e));
        else await checkNeutralised(c, dest, [...(await extracting).warnings, ...warnings]);
        assert.deepEqual(await snapshotTree(sentinel), before_, "the sentinel outside the destination is untouched");
      });
    }
  }

  for (const c of cases) {
    it(`${c.name} through unpackImage leaves no snapshot on failure`, async () => {
      const root = join(dir.path, "dests", `store-${c.name}`);
      const content = new ContentStore(join(root, "content"));
      const blob = c.blob ?? gzipSync(c.tar);
      const { digest } = await content.putBytes(blob);
      const diffId = c.wrongDiffId === true ? sha256(Buffer.from("not the layer")) : sha256(c.tar);
      const snapshots = await SnapshotStore.open(join(root, "snapshots"));
      const warnings: ExtractWarning[] = [];
      const unpacking = unpackImage(content, [{ mediaType: MediaType.OciLayerGzip, digest, size: blob.length }], [diffId], snapshots, {
        onWarning: (w) => warnings.push(w),
        ...(c.unprivileged === true ? { allowDevices: false } : {}),
      });
      if (c.expect.kind === "error") {
        await assert.rejects(unpacking, (e) => checkError(c, e));
        assert.deepEqual(await snapshots.list(), []);
      } else {
        const { chainId } = await unpacking;
        assert.equal(chainId, diffId);
        await checkNeutralised({ ...c, expect: { ...c.expect, warning: c.unprivileged === true ? /not allowed|needs root/ : c.expect.warning } }, snapshots.fsDir(chainId), warnings);
      }
      assert.deepEqual((await readdir(snapshots.dir)).filter((n) => n.startsWith(".tmp-") || n.startsWith(".rm-")), [], "no temp dirs left");
      assert.deepEqual(await snapshotTree(sentinel), before_);
    });
  }

  it("device nodes are skipped by a real unprivileged process (uid 65534)", async (t) => {
    if (!isRoot()) {
      t.skip("needs root to start a process as another user; the in-process unprivileged cases above ran");
      return;
    }
    const c = cases.find((x) => x.name === "device-node-unprivileged")!;
    const work = join(dir.path, "dests", "nobody");
    await mkdir(join(work, "dest"), { recursive: true });
    await writeFile(join(work, "layer.tar"), c.tar);
    await chmod(dir.path, 0o711); // mkdtemp makes it 0700; the other user must reach its own dir inside
    await chown(work, NOBODY, NOBODY);
    await chown(join(work, "dest"), NOBODY, NOBODY);
    const module = fileURLToPath(new URL("../../../src/image/unpack/index.js", import.meta.url));
    const script = `
      import { extractLayer } from ${JSON.stringify(module)};
      import { createReadStream } from "node:fs";
      const r = await extractLayer(createReadStream(${JSON.stringify(join(work, "layer.tar"))})[Symbol.asyncIterator](), ${JSON.stringify(join(work, "dest"))}, { layer: "devices", whiteouts: "marker" });
      console.log(JSON.stringify(r.warnings));`;
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      import("node:child_process").then(({ spawn }) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], { uid: NOBODY, gid: NOBODY, cwd: work });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ code, out, err });
        });
      }, (e: unknown) => resolve({ code: -1, out: "", err: String(e) }));
    });
    assert.equal(r.code, 0, r.err);
    const warnings = JSON.parse(r.out) as ExtractWarning[];
    assert.deepEqual(warnings.map((w) => w.entry).sort(), ["dev/null", "dev/sda", "fifo"]);
    assert.ok(warnings.every((w) => /needs root/.test(w.message)));
    assert.deepEqual(await readdir(join(work, "dest", "dev")), []);
  });
});
