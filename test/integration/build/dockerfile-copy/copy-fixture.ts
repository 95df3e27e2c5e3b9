/**
 * Fixtures for comparing berth's COPY/ADD with `docker build` (legacy
 * builder): a busybox base image whose second layer holds the traps a
 * destination can fall into (symlinks to /srv, to ../../../etc, to /, a
 * dangling one, a symlink where a directory will come), files with owners
 * and setuid bits for COPY --from, and users for --chown; the unpacking of
 * an image into a plain directory with skopeo and umoci; and snapshots of
 * directory trees to compare.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { gzipSync } from "node:zlib";
import { pack as tarPack, type Header } from "tar-stream";
import { writeDockerArchive } from "../../../fixtures/docker-archive.js";
import { FIXTURE_EPOCH, sha256, type BuiltLayer } from "../../../fixtures/layer-tar.js";
import type { StartedDockerd } from "../../../support/dockerd.js";
import { assertSucceeded, run } from "../../../support/run.js";
import { skopeo } from "../../../support/skopeo.js";

/** The base image every comparison builds FROM, as docker and berth see it. */
export const BASE_IMAGE = "berth-copy-base:test";

type Entry = Partial<Header> & { name: string; content?: string | Buffer };

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n";
const GROUP = "root:x:0:\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n";

/** Entries of the base: busybox, accounts, and the destination traps. */
async function baseEntries(): Promise<Entry[]> {
  const busybox = await readFile("/bin/busybox");
  const dir = (name: string, mode = 0o755): Entry => ({ name: `${name}/`, type: "directory", mode });
  const file = (name: string, content: string | Buffer, mode = 0o644, uid = 0, gid = 0): Entry => ({ name, type: "file", mode, uid, gid, content });
  const link = (name: string, linkname: string): Entry => ({ name, type: "symlink", linkname, mode: 0o777 });
  return [
    dir("bin"), file("bin/busybox", busybox, 0o755), link("bin/sh", "busybox"), link("bin/cat", "busybox"),
    dir("etc"), file("etc/passwd", PASSWD), file("etc/group", GROUP), dir("etc/sub"),
    dir("tmp", 0o1777), dir("home"), dir("home/app"),
    dir("srv"), file("srv/old", "old\n"), dir("srv/s", 0o2775), link("srv/a.txt", "/etc/x1"), link("srv/b", "/etc/x2"),
    file("srv/owned", "owned\n", 0o4755, 12, 34), file("srv/private", "private\n", 0o600, 1000, 1000),
    link("app", "/srv"), link("up", "../../../etc"), link("dangling", "/nonexist/file"), link("fl", "/etc/passwd"), link("rootlink", "/"),
    dir("data"), link("data/e", "/etc"), dir("data/dd"), file("data/dd/q", "q\n"), file("data/plainfile", "plain\n"),
    dir("q"), link("q/a.txt", "/etc"),
  ];
}

/** Write the base image as a `docker save` archive tagged {@link BASE_IMAGE}. */
export async function writeBaseArchive(file: string): Promise<void> {
  const pack = tarPack();
  const collected = buffer(pack);
  for (const e of await baseEntries()) {
    const { content, ...header } = e;
    const h = { uid: 0, gid: 0, uname: "", gname: "", mtime: new Date(FIXTURE_EPOCH * 1000), ...header };
    if (content === undefined) pack.entry(h);
    else pack.entry({ ...h, size: Buffer.byteLength(content) }, typeof content === "string" ? Buffer.from(content) : content);
  }
  pack.finalize();
  const tar = await collected;
  const gzip = gzipSync(tar);
  const layer: BuiltLayer = { tar, gzip, diffId: sha256(tar), digest: sha256(gzip) };
  const created = new Date(FIXTURE_EPOCH * 1000).toISOString();
  const config = Buffer.from(JSON.stringify({
    created, architecture: "amd64", os: "linux",
    config: { Env: ["PATH=/bin"], Cmd: ["/bin/sh"], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created, created_by: "berth test fixture: copy base" }],
  }));
  await writeDockerArchive(file, { config, layers: [layer], repoTags: [BASE_IMAGE] });
}

/** Unpack `image` from the daemon into the new directory `dest` as a flat rootfs: docker save → skopeo → umoci (owners kept, whiteouts applied). */
export async function unpackFromDocker(dockerd: StartedDockerd, image: string, work: string, dest: string): Promise<void> {
  const archive = join(work, "saved.tar");
  assertSucceeded(await dockerd.docker(["save", "-o", archive, image]));
  assertSucceeded(await skopeo(["copy", `docker-archive:${archive}`, `oci:${join(work, "layout")}:img`], { tmpDir: work, timeoutMs: 120_000 }));
  assertSucceeded(await run("umoci", ["raw", "unpack", "--image", `${join(work, "layout")}:img`, dest], { timeoutMs: 120_000 }));
}

/** What a snapshot records of one path. */
export interface Snapshot {
  readonly [path: string]: string;
}

/**
 * Every path below `dir` (not followed through symlinks) as one line of
 * text: type, mode (07777), uid:gid, symlink target, content sha256, and
 * the mtime in seconds — for directories only when older than `sinceSec`
 * (one made by the build itself carries the time of the build, which no two
 * builders share); hard-linked files name the other paths of their inode.
 */
export async function snapshotTree(dir: string, sinceSec: number): Promise<Snapshot> {
  const out: Record<string, string> = {};
  const inodes = new Map<number, string[]>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const st = await lstat(join(dir, path));
      const sec = Math.floor(st.mtimeMs / 1000);
      const head = `${(st.mode & 0o7777).toString(8).padStart(4, "0")} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out[path] = `dir ${head} ${sec < sinceSec ? sec : "new"}`;
        await walk(path);
      } else if (st.isSymbolicLink()) {
        out[path] = `symlink ${head} -> ${await readlink(join(dir, path))} ${sec}`;
      } else if (st.isFile()) {
        out[path] = `file ${head} ${createHash("sha256").update(await readFile(join(dir, path))).digest("hex").slice(0, 16)} ${sec}`;
        if (st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), path]);
      } else {
        out[path] = `special ${head}`;
      }
    }
  };
  await walk("");
  for (const paths of inodes.values()) for (const p of paths) out[p] += ` links=${paths.filter((q) => q !== p).join(",")}`;
  return out;
}

/** The differences between two snapshots, one line each; empty when equal. */
export function diffSnapshots(docker: Snapshot, berth: Snapshot): string[] {
  const paths = [...new Set([...Object.keys(docker), ...Object.keys(berth)])].sort();
  return paths.flatMap((p) => (docker[p] === berth[p] ? [] : [`${JSON.stringify(p)}\n    docker: ${docker[p] ?? "(missing)"}\n    berth:  ${berth[p] ?? "(missing)"}`]));
}
