import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBerthError } from "../oci/index.js";
import { buildStepMountPoints, BuildStepStartError, HOST_CA_PATH, hostPassThrough, runBuildStep, type BuildStepOptions } from "./build-step.js";

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "berth-step-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const TRUST = ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"].map((n) => `${n}=${HOST_CA_PATH}`);

describe("hostPassThrough", () => {
  it("lends the proxy variables that are set, in both cases, and nothing else", async () => {
    const got = await hostPassThrough({ hostEnv: { HTTP_PROXY: "http://p:3128", https_proxy: "http://q", NO_PROXY: "", ALL_PROXY: "socks5://s", HOME: "/root", SSL_CERT_FILE: "/x" } });
    assert.deepEqual(got, { env: ["HTTP_PROXY=http://p:3128", "https_proxy=http://q", "ALL_PROXY=socks5://s"], binds: [] });
  });

  it("with hostTrust, binds SSL_CERT_FILE (else NODE_EXTRA_CA_CERTS) at a fixed path and points four variables at it", async () => {
    await withDir(async (dir) => {
      const bundle = join(dir, "bundle.pem");
      const extra = join(dir, "extra.pem");
      await writeFile(bundle, "bundle");
      await writeFile(extra, "extra");
      const cases: { env: Record<string, string>; source?: string }[] = [
        { env: { SSL_CERT_FILE: bundle, NODE_EXTRA_CA_CERTS: extra }, source: bundle },
        { env: { NODE_EXTRA_CA_CERTS: extra }, source: extra },
        { env: { SSL_CERT_FILE: join(dir, "missing.pem"), NODE_EXTRA_CA_CERTS: extra }, source: extra },
        { env: { SSL_CERT_FILE: "relative.pem" } },
        { env: { SSL_CERT_FILE: dir } },
        { env: {} },
      ];
      for (const c of cases) {
        const got = await hostPassThrough({ hostTrust: true, hostEnv: { ...c.env, http_proxy: "http://p" } });
        const want = c.source === undefined
          ? { env: ["http_proxy=http://p"], binds: [] }
          : { env: ["http_proxy=http://p", ...TRUST], binds: [{ source: c.source, destination: HOST_CA_PATH }] };
        assert.deepEqual(got, want, JSON.stringify(c.env));
      }
      assert.deepEqual(await hostPassThrough({ hostTrust: false, hostEnv: { SSL_CERT_FILE: bundle } }), { env: [], binds: [] });
    });
  });
});

describe("buildStepMountPoints", () => {
  it("lists runc's mounts, each bind's destination as its source's kind, and the CA file's", async () => {
    await withDir(async (dir) => {
      const file = join(dir, "f");
      await writeFile(file, "");
      const got = await buildStepMountPoints({
        binds: [{ source: dir, destination: "/opt/dir/" }, { source: file, destination: "/opt/file" }], hostTrust: true, hostEnv: { SSL_CERT_FILE: file },
      });
      assert.deepEqual(got, [
        { path: "/dev", kind: "directory" }, { path: "/proc", kind: "directory" }, { path: "/sys", kind: "directory" },
        { path: "/etc/hostname", kind: "file" }, { path: "/etc/hosts", kind: "file" }, { path: "/etc/resolv.conf", kind: "file" },
        { path: "/opt/dir/", kind: "directory" }, { path: "/opt/file", kind: "file" }, { path: HOST_CA_PATH, kind: "file" },
      ]);
      assert.equal((await buildStepMountPoints()).length, 6);
    });
  });
});

describe("runBuildStep refuses what cannot run, before runc is started", () => {
  /** A rootfs with every mount point and a passwd, so that only the option under test is wrong. */
  async function rootfs(dir: string): Promise<string> {
    const root = join(dir, "rootfs");
    for (const d of ["dev", "proc", "sys", "etc"]) await mkdir(join(root, d), { recursive: true });
    for (const f of ["hostname", "hosts", "resolv.conf"]) await writeFile(join(root, "etc", f), "");
    await writeFile(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    await writeFile(join(root, "etc", "group"), "root:x:0:\n");
    return root;
  }

  const cases: { name: string; opts: Partial<BuildStepOptions>; message: RegExp; code?: string }[] = [
    { name: "no command", opts: { args: [] }, message: /RUN: no command/ },
    { name: "empty program", opts: { args: [""] }, message: /RUN: no command/ },
    { name: "relative workdir", opts: { workdir: "app" }, message: /WORKDIR app: must be an absolute path/ },
    { name: "env without =", opts: { env: ["PATH=/bin", "LONELY"] }, message: /env\[1\]: must be "NAME=value", got "LONELY"/ },
    { name: "env without a name", opts: { env: ["=x"] }, message: /env\[0\]/ },
    { name: "relative bind", opts: { binds: [{ source: "rel", destination: "/x" }] }, message: /bind rel:\/x: both paths must be absolute/ },
    { name: "bind escaping", opts: { binds: [{ source: "/etc", destination: "/x/../../y" }] }, message: /without "\.\."/ },
    { name: "bind over the root", opts: { binds: [{ source: "/etc", destination: "//" }] }, message: /below \// },
    { name: "unknown user", opts: { user: "ghost" }, message: /USER ghost: no user "ghost" in the image's \/etc\/passwd/ },
    { name: "unknown group", opts: { user: "root:wheel" }, message: /no group "wheel"/ },
    { name: "missing mount point", opts: { binds: [{ source: "/etc", destination: "/opt/etc" }] }, message: /no mount point \/opt\/etc; runc would make it in the step's layer/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await withDir(async (dir) => {
        const opts: BuildStepOptions = {
          root: dir, bundleDir: join(dir, "bundle"), rootfs: await rootfs(dir), args: ["/bin/true"], env: [], hostEnv: {},
          runcBinary: join(dir, "no-runc"), ...c.opts,
        };
        await assert.rejects(runBuildStep(opts), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.message.test(e.message));
      });
    });
  }

  it("a rootfs that is not there, and an abort before the start", async () => {
    await withDir(async (dir) => {
      const base = { root: dir, bundleDir: join(dir, "bundle"), args: ["/bin/true"], env: [], hostEnv: {}, runcBinary: join(dir, "no-runc") };
      await assert.rejects(runBuildStep({ ...base, rootfs: join(dir, "nothing") }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /not a directory/.test(e.message));
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(runBuildStep({ ...base, rootfs: await rootfs(dir), signal: ac.signal }), { name: "AbortError" });
    });
  });
});

describe("BuildStepStartError", () => {
  it("names the command and runc's reason, with docker's codes", () => {
    const e = new BuildStepStartError(["/nope"], 127, 'exec: "/nope": stat /nope: no such file or directory');
    assert.equal(e.message, '["/nope"]: did not start: exec: "/nope": stat /nope: no such file or directory');
    assert.equal(e.code, "FAILED_PRECONDITION");
    assert.match(e.hint ?? "", /absolute path/);
    assert.equal(new BuildStepStartError(["x"], 125, "cgroup").code, "INTERNAL");
    assert.match(new BuildStepStartError(["x"], 126, "permission denied").hint ?? "", /mode bits/);
  });
});
