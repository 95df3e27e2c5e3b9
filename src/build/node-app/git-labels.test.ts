import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gitLabels, LABEL_REVISION, LABEL_SOURCE, withoutCredentials } from "./git-labels.js";

const hasGit = (): boolean => {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

describe("gitLabels", () => {
  it("strips credentials from remote URLs", () => {
    assert.equal(withoutCredentials("https://user:ghp_token@example.invalid/o/r.git"), "https://example.invalid/o/r.git");
    assert.equal(withoutCredentials("ssh://git@example.invalid/o/r"), "ssh://example.invalid/o/r");
    assert.equal(withoutCredentials("git@example.invalid:o/r.git"), "git@example.invalid:o/r.git");
  });

  it("reads HEAD and origin of a work tree; nothing outside one", async (t) => {
    if (!hasGit()) return t.skip("needs git (apt-get install git)");
    const dir = await mkdtemp(join(tmpdir(), "berth-git-"));
    try {
      assert.deepEqual(await gitLabels(dir), {});
      const git = (...args: string[]): string => execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { encoding: "utf8" });
      git("init", "-q");
      assert.deepEqual(await gitLabels(dir), {}, "no commit yet");
      await writeFile(join(dir, "a"), "a");
      git("add", "a");
      git("commit", "-q", "-m", "a");
      git("remote", "add", "origin", "https://u:secret@example.invalid/app.git");
      assert.deepEqual(await gitLabels(dir), { [LABEL_SOURCE]: "https://example.invalid/app.git", [LABEL_REVISION]: git("rev-parse", "HEAD").trim() });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
