// berth's COPY/ADD against `docker build` with the legacy builder (DOCKER_BUILDKIT=0)
// on a dockerd this test starts: the same Dockerfile and context, built by docker
// and applied by berth to the same base rootfs, must give the same tree — paths,
// types, modes, owners, symlink targets, contents, hard links and mtimes.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isBerthError } from "../../../../src/oci/index.js";
import { startDockerd, type StartedDockerd } from "../../../support/dockerd.js";
import { freePort } from "../../../support/free-port.js";
import { isRoot, missingTools } from "../../../support/require-root.js";
import { assertSucceeded, run } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { compress, CLIMBING_ENTRIES, haveCompressors, makeTar, NORMAL_ENTRIES } from "./archive-fixture.js";
import { applyDockerfile, dockerignoreFilter, writeContext, type ContextEntry } from "./context-fixture.js";
import { BASE_IMAGE, diffSnapshots, snapshotTree, unpackFromDocker, writeBaseArchive, type Snapshot } from "./copy-fixture.js";

const missing = missingTools(["/usr/sbin/dockerd", "docker", "/bin/busybox", "skopeo", "umoci", "cp"]);
const skip = !isRoot() ? "needs root to start dockerd" : missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install docker.io busybox-static skopeo umoci` : false;

/** Served to docker's ADD and berth's alike; Last-Modified of /file.txt is a fixed past time. */
function contentServer(port: number, gzipTar: Buffer): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (body: string | Buffer, headers: Record<string, string> = {}): void => {
      res.writeHead(200, { "content-length": String(Buffer.byteLength(body)), ...headers }).end(body);
    };
    if (path === "/file.txt") send("served file\n", { "last-modified": "Tue, 03 Apr 2018 10:20:30 GMT" });
    else if (path === "/nolm") send("no last modified\n");
    else if (path === "/cd/") send("disposition\n", { "content-disposition": 'attachment; filename="fromcd.txt"' });
    else if (path === "/g.tgz") send(gzipTar, { "last-modified": "Wed, 04 Apr 2018 10:20:30 GMT" });
    else if (path === "/redir") res.writeHead(302, { location: "/file.txt" }).end();
    else if (path === "/") send("index\n");
    else res.writeHead(404).end("not found\n");
  });
  return new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", () => resolve(server)));
}

describe("COPY and ADD: berth against docker build (legacy builder)", { skip, timeout: 900_000 }, () => {
  let tmp: TempDir;
  let dockerd: StartedDockerd;
  let server: Server;
  let url: string;
  let baseRoot: string;
  let baseSnapshot: Snapshot;
  let since: number;
  let n = 0;
  const path = (...names: string[]): string => join(tmp.path, ...names);

  before(async () => {
    since = Math.floor(Date.now() / 1000) - 2;
    tmp = await tempDir("berth-cp-");
    await writeBaseArchive(path("base.tar"));
    dockerd = await startDockerd({ dir: path("d") });
    assertSucceeded(await dockerd.docker(["load", "-i", path("base.tar")]));
    baseRoot = path("base-rootfs");
    await run("mkdir", ["-p", path("base-work")]);
    await unpackFromDocker(dockerd, BASE_IMAGE, path("base-work"), baseRoot);
    baseSnapshot = await snapshotTree(baseRoot, since);
    const port = await freePort();
    server = await contentServer(port, await compress(await makeTar(NORMAL_ENTRIES), "gzip"));
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await dockerd?.stop();
    await tmp?.remove();
  });

  /** Build `dockerfile` (FROM the base is added) with docker and apply it with berth; the two trees must be equal. */
  const compare = async (entries: Record<string, ContextEntry>, dockerfile: string, opts: { dockerignore?: string } = {}): Promise<void> => {
    const dir = path(`case-${++n}`);
    const context = join(dir, "context");
    const text = `FROM ${BASE_IMAGE}\n${dockerfile.trim()}\n`;
    await writeContext(context, { ...entries, Dockerfile: text, ...(opts.dockerignore !== undefined && { ".dockerignore": opts.dockerignore }) });
    const tag = `berth-copy-case:${n}`;
    const built = await dockerd.docker(["build", "--network", "none", "--no-cache", "-t", tag, context], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 });
    assertSucceeded(built);
    await run("mkdir", ["-p", join(dir, "work")]);
    await unpackFromDocker(dockerd, tag, join(dir, "work"), join(dir, "docker"));
    assertSucceeded(await run("cp", ["-a", baseRoot, join(dir, "berth")]));
    await applyDockerfile(text, join(dir, "berth"), context, {
      tmpDir: dir, from: { [BASE_IMAGE]: baseRoot }, ...(opts.dockerignore !== undefined && { filter: dockerignoreFilter(opts.dockerignore) }),
    });
    const docker = await snapshotTree(join(dir, "docker"), since);
    assert.ok(diffSnapshots(baseSnapshot, docker).length > 0, "docker's build changed nothing: the comparison would prove nothing");
    const diff = diffSnapshots(docker, await snapshotTree(join(dir, "berth"), since));
    assert.equal(diff.length, 0, `berth's tree differs from docker's at ${diff.length} paths:\n${diff.join("\n")}`);
  };

  /** docker must fail to build `dockerfile` saying `dockerSays`, and berth must throw an error named `berthThrows`. */
  const bothFail = async (entries: Record<string, ContextEntry>, dockerfile: string, dockerSays: RegExp, berthThrows: string): Promise<void> => {
    const dir = path(`case-${++n}`);
    const context = join(dir, "context");
    const text = `FROM ${BASE_IMAGE}\n${dockerfile.trim()}\n`;
    await writeContext(context, { ...entries, Dockerfile: text });
    const built = await dockerd.docker(["build", "--network", "none", "--no-cache", "-t", `berth-copy-case:${n}`, context], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 });
    assert.notEqual(built.code, 0, `docker built ${JSON.stringify(dockerfile)}`);
    assert.match(built.stderr + built.stdout, dockerSays);
    assertSucceeded(await run("cp", ["-a", baseRoot, join(dir, "berth")]));
    await assert.rejects(applyDockerfile(text, join(dir, "berth"), context, { tmpDir: dir, from: { [BASE_IMAGE]: baseRoot } }), (e: Error) => {
      assert.ok(isBerthError(e), `a BerthError, got ${e.stack}`);
      assert.equal(e.name, berthThrows, e.message);
      return true;
    });
  };

  const files: Record<string, ContextEntry> = {
    "a.txt": { content: "hi\n", mode: 0o600 }, "b.txt": "bee\n", "c*.txt": "star\n", empty: "", "ünï cödé.txt": "u\n", "nl\nname": "newline\n",
    "dir/f": { content: "f\n", mode: 0o4755 }, "dir/sgid": { content: "g\n", mode: 0o2755 }, "dir/sgid2": { content: "g2\n", mode: 0o2644 },
    "dir/sub/g": "g\n", "dir/sub": { dir: true, mode: 0o700 }, "dir/hard": { hardlink: "dir/f" }, "dir/rel": { symlink: "../a.txt" },
    "dir/abs": { symlink: "/etc/passwd" }, "dir/st": { dir: true, mode: 0o1777 }, "dir/sg": { dir: true, mode: 0o2755 }, "dir/empty": { dir: true },
    "d1/x": "x\n", "d1/in/y": "y\n", "d2/z": "z\n",
    la: { symlink: "a.txt" }, ldir: { symlink: "dir" }, lup: { symlink: "../../../../a.txt" },
  };

  it("context files, directories, wildcards, top-level symlinks, hard links, modes and odd names", async () => {
    await compare(files, `
COPY a.txt /x/
COPY dir /d
COPY dir/sub/ /n/m
COPY a.txt b
COPY . /all/
COPY * /star/
COPY d? [ab].txt /g/
COPY la ldir lup /links/
COPY nl* ü* empty /names/
COPY */x /h/
COPY ./d1/../a.txt /l
COPY /b.txt l2`);
  });

  it("destinations through the image's symlinks (to /srv, ../../../etc, /, dangling) and over its files", async () => {
    await compare({ "a.txt": "A\n", "dir/f": "f\n", "dir/e/x": "x\n", "dd/q": "dq\n", "dd/plainfile/z": "z\n", "over/dd": "notdir\n", s: "top\n" }, `
COPY a.txt /app/
COPY a.txt /up/
COPY a.txt /dangling
COPY a.txt /fl
COPY a.txt /rootlink/r.txt
COPY dir /app/sub
COPY dir /data
COPY dd /data
COPY over /data/
COPY s /srv/s
COPY s /srv/
COPY a.txt /srv/
COPY a.txt /srv/b
COPY a.txt /q/`);
  });

  it("--chown by name and number: files, directories and the parents it makes", async () => {
    await compare(files, `
COPY --chown=app a.txt /p/q/r/
COPY --chown=1000:50 dir /p2/q/
COPY --chown=nobody:nogroup dir/f /tmp/
COPY --chown=65534:root a.txt /etc/passwd2
COPY --chown=5 dir/ /tmp/
COPY --chown=app:staff la /home/app/`);
  });

  it("COPY --from an image keeps its owners and setuid bits, and resolves symlinks inside it", async () => {
    await compare({ "a.txt": "a\n" }, `
COPY --from=${BASE_IMAGE} /app /x
COPY --from=${BASE_IMAGE} /up/passwd /y
COPY --from=${BASE_IMAGE} /srv/owned /z
COPY --from=${BASE_IMAGE} /srv /w/
COPY --from=${BASE_IMAGE} /f? /v/
COPY --from=${BASE_IMAGE} --chown=7:8 /srv /u`);
  });

  it(".dockerignore hides files from COPY and its wildcards; a ! exception brings one back", async () => {
    await compare({
      "a.txt": "a\n", "x.log": "log\n", "sub/y.log": "deep log\n", "sub/z.tmp": "tmp\n", "sub/ok": "ok\n",
      "secret/keep.txt": "keep\n", "secret/other.txt": "other\n", "build/out": "out\n",
    }, `
COPY . /ctx/
COPY sub /s
COPY secret /sec
COPY s* /glob/`, { dockerignore: "*.log\nsecret/\n!secret/keep.txt\nbuild\n**/*.tmp\n" });
  });

  it("destinations relative to WORKDIR", async () => {
    await compare(files, `
WORKDIR /wd
COPY a.txt .
COPY b.txt rel/
COPY d2 sub
COPY [ab].txt ./
WORKDIR sub/deeper
COPY a.txt ../up.txt
COPY a.txt /x/../y
COPY a.txt /n/.`);
  });

  it("ADD extracts local tar archives told by content (plain, gzip, bzip2, xz), confined to the destination", async (t) => {
    if (!(await haveCompressors())) return t.skip("needs bzip2 and xz: apt-get install bzip2 xz-utils");
    const tar = await makeTar(NORMAL_ENTRIES);
    await compare({
      "plain.tar": tar, "g.tgz": await compress(tar, "gzip"), "b.tbz": await compress(tar, "bzip2"), "x.txz": await compress(tar, "xz"),
      "notatar.txt": tar, "fake.tar.gz": "not a tar\n", "plain.gz": await compress(Buffer.from("text\n"), "gzip"),
      "climbing.tar": await makeTar(CLIMBING_ENTRIES), "dir/inner.tar": tar,
    }, `
ADD plain.tar /p
ADD g.tgz /g/
ADD b.tbz /b
ADD x.txz /x
ADD notatar.txt /n
ADD fake.tar.gz plain.gz /f/
ADD plain.tar /app/
ADD climbing.tar /h/i/
ADD dir /adddir
ADD *.tgz /glob/`);
  });

  it("ADD downloads URLs: name from the URL or Content-Disposition, mode 0600, Last-Modified, never extracted", async () => {
    await compare({ "a.txt": "a\n" }, `
ADD ${url}/file.txt /u/
ADD ${url}/nolm /v
ADD ${url}/cd/ /w/
ADD ${url}/g.tgz /x/
ADD ${url}/redir?q=1 /y/
ADD --chown=3:4 ${url}/file.txt /z`);
  });

  it("fails where docker fails: outside the context (also by wildcard or symlink), missing, dangling, no match, several sources, file in the way, unknown owner, URLs", async () => {
    const ctx = { "a.txt": "a\n", "b.txt": "b\n", "dir/f": "f\n", lpw: { symlink: "/etc/passwd" }, letc: { symlink: "/etc" } } as const;
    await bothFail(ctx, "COPY ../a.txt /x/", /forbidden path outside the build context/, "CopyOutsideContextError");
    await bothFail(ctx, "COPY nope /x/", /file not found in build context/, "CopySourceNotFoundError");
    await bothFail(ctx, "COPY lpw /x", /file not found in build context/, "CopySourceNotFoundError");
    await bothFail(ctx, "COPY *.nomatch /x/", /no source files were specified/, "NoSourceFilesError");
    await bothFail(ctx, "COPY ../*.txt /x/", /no source files were specified/, "NoSourceFilesError");
    await bothFail(ctx, "COPY letc/* /x/", /no source files were specified/, "NoSourceFilesError");
    await bothFail(ctx, "COPY a.txt b.txt /x", /must be a directory and end with a \//, "CopyDestinationError");
    await bothFail(ctx, "COPY dir /fl", /not a directory/, "CopyDestinationError");
    await bothFail(ctx, "COPY a.txt /data/plainfile/x", /not a directory/, "CopyDestinationError");
    await bothFail(ctx, "COPY --chown=nosuch a.txt /x", /no such user: nosuch/, "CopyOwnerError");
    await bothFail(ctx, "COPY --chown=nobody a.txt /x", /no such group: nobody/, "CopyOwnerError");
    await bothFail(ctx, `ADD ${url}/missing /x`, /404/, "AddDownloadError");
    await bothFail(ctx, `ADD ${url}/ /x/`, /cannot determine filename/, "CopyDestinationError");
    await bothFail(ctx, `COPY ${url}/file.txt /x`, /source can't be a URL for COPY/, "InvalidCopySourceError");
  });
});
