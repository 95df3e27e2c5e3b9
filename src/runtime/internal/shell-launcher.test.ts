import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { execTool } from "./exec-tool.js";
import { isLaunchable, ShellLauncher, shellLauncher } from "./shell-launcher.js";

const SH = "/bin/sh";

describe("ShellLauncher", () => {
  const launcher = (): ShellLauncher => {
    const l = shellLauncher();
    assert.ok(l, "no /bin/sh to launch programs with");
    return l;
  };

  it("gives the exit code and the stderr of the program", async () => {
    assert.deepEqual(await launcher().run(SH, ["-c", "echo out; echo err >&2; exit 3"], 10_000), { code: 3, stderr: "err" });
    assert.deepEqual(await launcher().run("true", [], 10_000), { code: 0, stderr: "" });
  });

  it("passes every argument as it is: spaces, quotes, $, backquotes, globs, non-ASCII, empty", async () => {
    const args = ["a b", "it's", '"q"', "$HOME", "`id`", "*", "ü→✓", "", "\\", "-n", "two\nlines", "\n", "'\n'", "$nl"];
    const r = await launcher().run(SH, ["-c", 'for a in "$@"; do printf "[%s]" "$a" >&2; done', "sh", ...args], 10_000);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, args.map((a) => `[${a}]`).join(""));
  });

  it("runs programs at once, each result its own", async () => {
    const runs = Array.from({ length: 20 }, (_, i) => launcher().run(SH, ["-c", `sleep 0.0${i % 5}; echo ${i} >&2; exit ${i}`], 10_000));
    const results = await Promise.all(runs);
    results.forEach((r, i) => assert.deepEqual(r, { code: i, stderr: String(i) }));
  });

  it("kills a program past its time", async () => {
    const started = Date.now();
    const r = await launcher().run(SH, ["-c", "exec sleep 30"], 300);
    assert.equal(r.code, 128 + 9);
    assert.ok(Date.now() - started < 10_000);
  });

  it("a signal's end is 128 + its number, as a shell reports it", async () => {
    assert.equal((await launcher().run(SH, ["-c", "kill -TERM $$"], 10_000)).code, 128 + 15);
  });

  it("does not keep Node alive once idle", () => {
    const script = `import { execTool } from ${JSON.stringify(fileURLToPath(new URL("./exec-tool.js", import.meta.url)))};
      const r = await execTool("true", []); console.log(r.code);`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(child.stdout.trim(), "0", child.stderr);
    assert.ok(Date.now() - started < 15_000, "the child process hung on the launcher");
  });

  it("a detached program goes on after Node has exited, and a NUL in its arguments is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-detached-"));
    try {
      const mark = join(dir, "done");
      const script = `import { shellLauncher } from ${JSON.stringify(fileURLToPath(new URL("./shell-launcher.js", import.meta.url)))};
        await shellLauncher().launchDetached("/bin/sh", ${JSON.stringify(["-c", 'sleep 0.3; echo ok > "$1"', "sh", mark])});`;
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
      assert.equal(child.status, 0, child.stderr);
      assert.equal(existsSync(mark), false, "Node waited for the detached program");
      for (let i = 0; i < 100 && !existsSync(mark); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(readFileSync(mark, "utf8"), "ok\n");
      await assert.rejects(launcher().launchDetached(SH, ["-c", "true", "sh", "a\0b"]), /NUL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("execTool", () => {
  it("rejects a program that is not there, as spawn does", async () => {
    assert.equal(isLaunchable("berth-no-such-program"), false);
    await assert.rejects(execTool("berth-no-such-program", []), { code: "ENOENT" });
  });

  it("takes an argument with a newline too", async () => {
    assert.deepEqual(await execTool(SH, ["-c", 'printf "%s" "$1" >&2', "sh", "two\nlines"]), { code: 0, stderr: "two\nlines" });
  });

  it("refuses an argument with a NUL, as spawn does, rather than cutting it short", async () => {
    await assert.rejects(execTool(SH, ["-c", "exit 0", "sh", "a\0b"]), { code: "ERR_INVALID_ARG_VALUE" });
  });
});
