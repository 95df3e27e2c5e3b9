import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { environmentOfCli, readAnnouncedRun } from "./announced-run.js";

describe("readAnnouncedRun", () => {
  let dir = "";
  const caller = { pid: 1, startTime: "1" };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-announced-"));
    await writeFile(join(dir, "app.env"), "FROM_FILE=1\nPASSED\n");
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("reads the command line with the CLI's environment and directory, not the daemon's", async () => {
    const run = await readAnnouncedRun({
      caller, cwd: dir, env: { PASSED: "from-cli", ONLY_CLI: "x", BERTH_ANNOUNCED: "1" },
      args: ["--root", "rel-root", "run", "--rm", "--env-file", "app.env", "-e", "ONLY_CLI", "-e", "NOT_SET", "--name", "web", "img:1", "sh", "-c", "true"],
    });
    assert.ok(run !== undefined);
    assert.equal(run.root, join(dir, "rel-root"));
    assert.equal(run.detach, false);
    assert.equal(run.image, "img:1");
    assert.deepEqual(run.options.env, ["FROM_FILE=1", "PASSED=from-cli", "ONLY_CLI=x"]);
    assert.deepEqual(run.options.cmd, ["sh", "-c", "true"]);
    assert.equal(run.options.name, "web");
    assert.equal(run.options.autoRemove, true);
  });

  it("takes BERTH_ROOT from the CLI's environment, and -d", async () => {
    const run = await readAnnouncedRun({ caller, cwd: dir, env: { BERTH_ROOT: "/srv/berth" }, args: ["run", "-d", "img"] });
    assert.equal(run?.root, "/srv/berth");
    assert.equal(run?.detach, true);
  });

  it("reads nothing the CLI does not hand to a daemon, or will refuse", async () => {
    for (const args of [
      ["run", "-it", "img", "sh"], ["run", "-t", "img"], ["run", "--pull", "always", "img"], ["run", "--help"], ["run"], ["ps", "-a"],
      ["run", "--env-file", "missing.env", "img"], ["run", "--restart", "sometimes", "img"],
    ]) {
      assert.equal(await readAnnouncedRun({ caller, cwd: dir, env: {}, args }), undefined, args.join(" "));
    }
  });
});

describe("environmentOfCli", () => {
  it("gives NODE_EXTRA_CA_CERTS back as the launcher hands it to Node, and drops the launcher's variables", () => {
    assert.deepEqual(environmentOfCli({ A: "1", BERTH_DEFERRED_EXTRA_CA_CERTS: "/ca.pem", BERTH_ANNOUNCED: "7" }), { A: "1", NODE_EXTRA_CA_CERTS: "/ca.pem" });
    assert.deepEqual(environmentOfCli({ A: "1", NODE_EXTRA_CA_CERTS: "/ca.pem" }), { A: "1", NODE_EXTRA_CA_CERTS: "/ca.pem" });
    assert.deepEqual(environmentOfCli({ BERTH_DEFERRED_EXTRA_CA_CERTS: "" }), {});
  });
});
