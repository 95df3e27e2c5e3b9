import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it, mock } from "node:test";
import { buildBase, ChecksumMismatchError, readBaseLock, type BuiltBase } from "../../../src/build/index.js";
import { ImageStore, openImage } from "../../../src/image/index.js";
import { parseImageConfig } from "../../../src/oci/index.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { describeResult, run } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { containersUnsupported } from "../runtime/runtime-fixture.js";
import { BUILD_CACHE, imageFiles, requireMirror } from "./base-fixture.js";

// A small base from the machine's Debian mirror: base-files for os-release,
// busybox-static so a container can run something, CA certificates and tzdata.
const SPEC = `packages: [base-files, ca-certificates, tzdata, busybox-static]
env: { TZ: Etc/UTC }
labels: { org.opencontainers.image.title: berth-test-base }
`;
// Any network use during a lock build would go to this closed port and fail.
const OFFLINE = { HTTP_PROXY: "http://127.0.0.1:9", HTTPS_PROXY: "http://127.0.0.1:9", http_proxy: "http://127.0.0.1:9", https_proxy: "http://127.0.0.1:9" };

describe("berth base build (Debian mirror from the apt sources)", () => {
  let tmp: TempDir;
  let store: ImageStore;
  let spec: string;
  let first: BuiltBase | undefined;

  before(async () => {
    tmp = await tempDir("berth-base-");
    store = new ImageStore(join(tmp.path, "root"));
    spec = join(tmp.path, "base.yaml");
    await writeFile(spec, SPEC);
  });
  after(async () => {
    await tmp.remove();
  });

  const build = (ref: string, env: NodeJS.ProcessEnv, extra: object = {}): Promise<BuiltBase> =>
    buildBase(store, spec, { reference: ref, cacheDir: BUILD_CACHE, env: { ...process.env, ...env }, ...extra });

  it("resolves, verifies, writes the lock and a distroless image", async (t) => {
    if (!(await requireMirror(t))) return;
    const started = Date.now();
    first = await build("localhost/test/base:1", { SOURCE_DATE_EPOCH: "1000" }, { updateLock: true });
    t.diagnostic(`build with resolution ${Date.now() - started} ms, ${first.packages.length} packages, layers ${first.layers.map((l) => `${l.descriptor.size}/${l.uncompressedSize}`).join(", ")} bytes (gz/raw)`);
    const names = first.packages.map((p) => p.name);
    for (const n of ["base-files", "busybox-static", "ca-certificates", "libc6", "tzdata"]) assert.ok(names.includes(n), `${n} in ${names.join(" ")}`);
    for (const n of ["debconf", "perl-base", "dpkg", "bash", "coreutils", "mawk", "gawk"]) assert.ok(!names.includes(n), `${n} left out of a distroless base`);

    const lock = await readBaseLock(`${spec}.lock`);
    assert.equal(lock?.sourceDateEpoch, 1000);
    assert.deepEqual(lock?.packages.map((p) => p.name), names);
    for (const p of lock!.packages) assert.match(p.sha256, /^[a-f0-9]{64}$/);

    const view = await openImage(store.content, first.descriptor);
    const config = parseImageConfig(await store.content.readBytes(view.configDescriptor.digest));
    assert.equal(config.created, "1970-01-01T00:16:40.000Z");
    assert.equal(config.config?.User, "65532:65532");
    assert.deepEqual(config.config?.Env, [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "TZ=Etc/UTC",
    ]);
    assert.equal(config.config?.Labels?.["org.opencontainers.image.title"], "berth-test-base");

    const files = await imageFiles(store, first.descriptor);
    const text = (p: string): string => files.get(p)?.data?.toString("utf8") ?? "";
    assert.match(text("etc/passwd"), /^nonroot:x:65532:65532:/m);
    assert.match(text("etc/group"), /^nonroot:x:65532:$/m);
    assert.match(text("etc/nsswitch.conf"), /^hosts: +files dns$/m);
    assert.match(text("var/lib/dpkg/status.d/tzdata"), /^Package: tzdata$/m);
    assert.match(text("var/lib/dpkg/status.d/libc6"), /^Version: /m);
    const bundle = text("etc/ssl/certs/ca-certificates.crt");
    assert.ok(bundle.startsWith("-----BEGIN CERTIFICATE-----"));
    assert.ok((bundle.match(/BEGIN CERTIFICATE/g) ?? []).length > 100, "the Mozilla bundle has well over 100 roots");
    assert.equal(files.get("usr/share/zoneinfo/Europe/Paris")?.type, "file");
    assert.equal(files.get("bin/busybox")?.type, "file");
    assert.equal(files.get("home/nonroot")?.type, "directory");
    for (const absent of ["bin/sh", "bin/bash", "usr/bin/dpkg", "usr/bin/apt"]) assert.equal(files.get(absent), undefined, `${absent} absent`);
    for (const e of files.values()) assert.ok(!e.path.includes(".."), e.path);
  });

  it("rebuilds from the lock offline, byte-identical, whatever SOURCE_DATE_EPOCH and the clock say", async (t) => {
    if (!first) return t.skip("needs the first build");
    mock.timers.enable({ apis: ["Date"], now: Date.parse("2031-05-06T07:08:09Z") });
    let again: BuiltBase;
    const started = performance.now();
    try {
      again = await build("localhost/test/base:2", { SOURCE_DATE_EPOCH: "1700000000", ...OFFLINE });
    } finally {
      mock.timers.reset();
    }
    t.diagnostic(`warm build from the lock ${Math.round(performance.now() - started)} ms`);
    assert.equal(again.isLockWritten, false);
    assert.equal(again.descriptor.digest, first.descriptor.digest);
    assert.deepEqual(again.layers.map((l) => l.descriptor.digest), first.layers.map((l) => l.descriptor.digest));
  });

  it("a lock whose request no longer matches the spec is refused", async (t) => {
    if (!first) return t.skip("needs the first build");
    const other = join(tmp.path, "other.yaml");
    await writeFile(other, SPEC.replace("busybox-static]", "busybox-static, netbase]"));
    await assert.rejects(buildBase(store, other, { reference: "x", lockPath: `${spec}.lock`, cacheDir: BUILD_CACHE, env: { ...process.env, ...OFFLINE } }), /made for another request.*\n?/);
  });

  it("a .deb whose SHA256 does not match the lock stops the build naming the file", async (t) => {
    if (!first) return t.skip("needs the first build");
    const lock = JSON.parse(await readFile(`${spec}.lock`, "utf8")) as { packages: { name: string; sha256: string }[] };
    const tz = lock.packages.find((p) => p.name === "tzdata")!;
    tz.sha256 = "0".repeat(64);
    const bad = join(tmp.path, "bad.lock");
    await writeFile(bad, JSON.stringify(lock));
    const err = await buildBase(store, spec, { reference: "localhost/test/bad:1", lockPath: bad, cacheDir: BUILD_CACHE }).catch((e: unknown) => e);
    assert.ok(err instanceof ChecksumMismatchError, String(err));
    assert.match(err.message, /^tzdata_.*_all\.deb: SHA256 [a-f0-9]{64}, expected 0{64}/);
    assert.equal(await store.get("docker.io/localhost/test/bad:1"), undefined);
  });

  it("runs in a container: busybox cat /etc/os-release as nonroot", async (t) => {
    if (!first) return t.skip("needs the first build");
    const why = await containersUnsupported();
    if (why) return t.skip(why);
    const root = join(tmp.path, "root");
    const r = await run(process.execPath, [BERTH_BIN, "--root", root, "run", "--rm", "--network", "none", "localhost/test/base:1", "/bin/busybox", "sh", "-c", "cat /etc/os-release; id -u; ls /var/lib/dpkg/status.d | wc -l"], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, describeResult(r));
    assert.match(r.stdout, /^ID=debian$/m);
    assert.match(r.stdout, /^65532$/m);
  });
});
