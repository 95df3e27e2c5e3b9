// The CLI's contract with scripts: help everywhere, exit codes, clear errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { berth, startBerthRegistry } from "../../support/berth-server.js";

describe("berth CLI", () => {
  for (const args of [["--help"], ["registry", "--help"], ["registry", "serve", "--help"], ["registry", "gc", "--help"], ["registry", "fsck", "--help"]]) {
    it(`${args.join(" ")} prints usage and exits 0`, async () => {
      const r = await berth(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: berth/m);
    });
  }

  it("--version prints the package version", async () => {
    const r = await berth(["--version"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it("exits 2 on an unknown flag or command, naming it", async () => {
    const flag = await berth(["registry", "serve", "--bogus"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option '--bogus'/);
    const cmd = await berth(["nonsense"]);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /unknown command 'nonsense'/);
  });

  it("run, create and exec exit 125 on a bad command line, as docker's (their code is the container's otherwise)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
    try {
      for (const args of [["run", "--bogus", "img"], ["create", "--bogus", "img"], ["exec", "--bogus", "c", "true"], ["run"], ["create", "--restart", "bogus", "img"]]) {
        const r = await berth(["--root", dir, ...args]);
        assert.equal(r.code, 125, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, /unknown option '--bogus'|missing required argument|--restart bogus/, args.join(" "));
      }
      // Other commands keep berth's usage code.
      assert.equal((await berth(["--root", dir, "ps", "--bogus"])).code, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("run and create take -h as --hostname, as docker does; their help is --help", async () => {
    for (const word of ["run", "create"]) {
      const help = await berth([word, "--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /-h, --hostname <name>/);
      assert.doesNotMatch(help.stdout, /-h, --help/);
    }
    const dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
    try {
      // -h takes a value: it is not help (which would print usage and exit 0, running nothing).
      const r = await berth(["--root", dir, "run", "-h", "myhost", "--pull", "never", "localhost/no-such:image", "true"]);
      assert.equal(r.code, 125, r.stderr);
      assert.doesNotMatch(r.stdout, /^Usage:/m);
      assert.match(r.stderr, /no-such/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 on a bad --addr and on a config field that is wrong, naming the field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
    try {
      const addr = await berth(["--root", dir, "registry", "serve", "--addr", "nonsense"]);
      assert.equal(addr.code, 2);
      assert.match(addr.stderr, /--addr: "nonsense" is not host:port/);
      const cfg = join(dir, "bad.yml");
      await writeFile(cfg, "auth:\n  htpasswd: x\n  access:\n    - repository: a\n      users: [u]\n      actions: [fly]\n");
      const bad = await berth(["--root", dir, "registry", "serve", "--config", cfg]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /auth\.access\[0\]\.actions\[0\]/);
      const missing = await berth(["--root", dir, "registry", "serve", "--config", join(dir, "nope.yml")]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /cannot read/);
      const yaml = join(dir, "junk.yml");
      await writeFile(yaml, "addr: [unclosed\n");
      const junk = await berth(["--root", dir, "registry", "serve", "--config", yaml]);
      assert.equal(junk.code, 2);
      assert.match(junk.stderr, /not valid YAML/);
      const unknown = join(dir, "unknown.yml");
      await writeFile(unknown, "adress: 127.0.0.1:1\n");
      const typo = await berth(["--root", dir, "registry", "serve", "--config", unknown]);
      assert.equal(typo.code, 2);
      assert.match(typo.stderr, /adress/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says the address is in use, with a hint, and exits non-zero", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (blocker.address() as { port: number }).port;
      const r = await berth(["--root", dir, "registry", "serve", "--addr", `127.0.0.1:${port}`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /address already in use/);
      assert.match(r.stderr, /hint: /);
    } finally {
      blocker.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("image prune takes docker's -f/--force (without -a it never asks), and -a -f on an empty store removes nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
    try {
      for (const flag of ["-f", "--force"]) {
        const r = await berth(["--root", dir, "image", "prune", flag]);
        assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
        assert.match(r.stdout, /Total reclaimed space/);
      }
      const all = await berth(["--root", dir, "image", "prune", "-a", "-f"]);
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stdout, "Total reclaimed space: 0 B\n");
      assert.match((await berth(["image", "prune", "--help"])).stdout, /-f, --force +do not ask before -a/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("load -i DIR points to berth pull oci:DIR", async () => {
    const dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
    try {
      const layout = join(dir, "layout");
      await mkdir(layout);
      const r = await berth(["--root", join(dir, "root"), "load", "-i", layout]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /is a directory, not an archive file\nhint: for an OCI layout directory: berth pull oci:.*layout\n/);
      assert.doesNotMatch(r.stderr, /readOciLayoutDir/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const mode of ["basic", "token"] as const) {
    it(`login with a wrong password (${mode} auth) says the registry refused it, and saves nothing`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "berth-cli-"));
      await writeFile(join(dir, "htpasswd"), `alice:${bcrypt.hashSync("wonderland", 4)}\n`);
      await writeFile(join(dir, "registry.yml"), ["auth:", "  htpasswd: htpasswd", ...(mode === "token" ? ["  token: {}"] : []), ""].join("\n"));
      const reg = await startBerthRegistry({ root: join(dir, "reg"), args: ["--config", join(dir, "registry.yml")] });
      const env = { ...process.env, DOCKER_CONFIG: join(dir, "docker") };
      try {
        const bad = await berth(["login", "-u", "alice", "--password-stdin", reg.host], { input: "wrong\n", env });
        assert.equal(bad.code, 4, bad.stderr);
        assert.match(bad.stderr, new RegExp(`^berth: login ${reg.host}: the registry refused the username or password for alice\nhint: check them`, "m"));
        assert.doesNotMatch(bad.stderr, /run berth login/);
        await assert.rejects(readFile(join(dir, "docker", "config.json")), { code: "ENOENT" });
        const good = await berth(["login", "-u", "alice", "--password-stdin", reg.host], { input: "wonderland\n", env });
        assert.equal(good.code, 0, good.stderr);
        assert.match(good.stdout, /Login Succeeded/);
      } finally {
        await reg.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
