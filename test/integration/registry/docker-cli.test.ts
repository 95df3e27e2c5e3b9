// The docker CLI against berth's registry, through a real dockerd started for
// the test: login (Basic, then Docker's token flow), push, pull, run.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { isRoot, missingTools } from "../../support/require-root.js";
import { startDockerd, type StartedDockerd } from "../../support/dockerd.js";
import { startBerthRegistry, type BerthServer } from "../../support/berth-server.js";
import { assertSucceeded } from "../../support/run.js";
import { makeBusyboxDockerArchive } from "../../fixtures/make-image.js";

const missing = missingTools(["dockerd", "busybox"]);
const skip = !isRoot() ? "needs root to start dockerd" : missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install docker.io busybox-static` : false;

async function writeConfig(dir: string, mode: "basic" | "token"): Promise<string> {
  await mkdir(dir, { recursive: true });
  const htpasswd = join(dir, "htpasswd");
  await writeFile(htpasswd, `alice:${bcrypt.hashSync("wonderland", 10)}\nbob:${bcrypt.hashSync("builder", 10)}\n`);
  const config = join(dir, "registry.yml");
  await writeFile(config, [
    "auth:",
    "  htpasswd: htpasswd",
    ...(mode === "token" ? ["  token:", "    expiration: 600"] : []),
    "  access:",
    "    - repository: \"readonly/**\"",
    "      users: [bob]",
    "      actions: [pull]",
    "    - repository: \"readonly/**\"",
    "      users: [alice]",
    "      actions: [\"*\"]",
    "",
  ].join("\n"));
  return config;
}

describe("docker CLI against berth's registry", { skip, timeout: 300_000 }, () => {
  let tmp: TempDir;
  let dockerd: StartedDockerd;
  let archive: string;

  before(async () => {
    tmp = await tempDir("berth-docker-");
    archive = join(tmp.path, "busybox.tar");
    await makeBusyboxDockerArchive(archive, "berth-test/busybox:latest");
    dockerd = await startDockerd({ dir: join(tmp.path, "d") });
    assertSucceeded(await dockerd.docker(["load", "-i", archive]));
  });
  after(async () => {
    await dockerd?.stop();
    await tmp?.[Symbol.asyncDispose]();
  });

  for (const mode of ["basic", "token"] as const) {
    it(`logs in (${mode}), pushes, pulls and runs the pulled image`, async () => {
      const dir = join(tmp.path, mode);
      const config = await writeConfig(dir, mode);
      const reg: BerthServer = await startBerthRegistry({ root: join(dir, "root"), args: ["--config", config] });
      try {
        const image = `${reg.host}/apps/busybox:${mode}`;
        assertSucceeded(await dockerd.docker(["tag", "berth-test/busybox:latest", image]));
        const anon = await dockerd.docker(["push", image]);
        assert.notEqual(anon.code, 0, "push without login is refused");
        assert.match(anon.stderr + anon.stdout, /unauthorized|authentication required|no basic auth|denied/i);

        const bad = await dockerd.docker(["login", "-u", "alice", "--password-stdin", reg.host], { input: "wrong" });
        assert.notEqual(bad.code, 0, "a wrong password is refused");
        assertSucceeded(await dockerd.docker(["login", "-u", "alice", "--password-stdin", reg.host], { input: "wonderland" }));
        assertSucceeded(await dockerd.docker(["push", image]));
        assertSucceeded(await dockerd.docker(["rmi", image]));
        assertSucceeded(await dockerd.docker(["pull", image]));
        const ran = assertSucceeded(await dockerd.docker(["run", "--rm", "--network", "none", image, "/bin/echo", `hello from ${mode}`]));
        assert.equal(ran.stdout.trim(), `hello from ${mode}`);

        // bob may only pull readonly/**: his push there is refused.
        const ro = `${reg.host}/readonly/busybox:${mode}`;
        assertSucceeded(await dockerd.docker(["tag", "berth-test/busybox:latest", ro]));
        assertSucceeded(await dockerd.docker(["push", ro]));
        assertSucceeded(await dockerd.docker(["logout", reg.host]));
        assertSucceeded(await dockerd.docker(["login", "-u", "bob", "--password-stdin", reg.host], { input: "builder" }));
        // A fresh tag forces a manifest PUT, which bob may not do.
        const fresh = `${reg.host}/readonly/busybox:fresh-${mode}`;
        assertSucceeded(await dockerd.docker(["tag", "berth-test/busybox:latest", fresh]));
        const denied = await dockerd.docker(["push", fresh]);
        assert.notEqual(denied.code, 0, "bob's push to readonly/ is refused");
        assert.match(denied.stderr, /denied|unauthorized/i);
        assertSucceeded(await dockerd.docker(["pull", ro]));
        assertSucceeded(await dockerd.docker(["logout", reg.host]));
      } finally {
        await reg.stop();
      }
    });
  }
});
