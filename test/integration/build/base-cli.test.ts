import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Command, CommanderError } from "commander";
import { baseCommand } from "../../../src/cli/commands/base-command.js";
import { readBaseLock } from "../../../src/build/index.js";
import { tempDir } from "../../support/temp-dir.js";
import { requireMirror } from "./base-fixture.js";

/** Run `berth base ARGS…` in-process (main.ts registers the same command); returns what it wrote. */
async function berthBase(root: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command("berth").exitOverride();
  program.addCommand(baseCommand(() => ({ root })));
  const out = { stdout: "", stderr: "" };
  const write = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((s: string) => ((out.stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((out.stderr += s), true)) as typeof process.stderr.write;
  // As main.ts does: every command throws instead of calling process.exit.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride().configureOutput({ writeOut: (s) => (out.stdout += s), writeErr: (s) => (out.stderr += s) });
  try {
    await program.parseAsync(["base", ...args], { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError) || e.exitCode !== 0) throw e;
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
  return out;
}

describe("berth base build (CLI)", () => {
  it("--help lists the flags", async () => {
    const r = await berthBase("/nonexistent", ["build", "--help"]);
    for (const flag of ["-t, --tag <ref>", "--mirror <url>", "--lock <file>", "--update-lock", "SOURCE_DATE_EPOCH"]) assert.ok(r.stdout.includes(flag), flag);
  });

  it("-t is required", async () => {
    await assert.rejects(berthBase("/nonexistent", ["build", "spec.yaml"]), /required option '-t, --tag <ref>'/);
  });

  it("builds with --mirror and --lock, progress on stderr, digest on stdout", async (t) => {
    const src = await requireMirror(t);
    if (!src) return;
    const tmp = await tempDir("berth-bcli-");
    try {
      const spec = join(tmp.path, "s.yaml");
      await writeFile(spec, `suite: ${src.suite}\npackages: [busybox-static]\n`);
      const lock = join(tmp.path, "pinned.lock");
      const root = join(tmp.path, "root");
      const r = await berthBase(root, ["build", spec, "-t", "localhost/cli/bb:1", "--mirror", src.uri, "--lock", lock]);
      assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
      assert.match(r.stderr, /InRelease/);
      assert.match(r.stderr, /Resolved \d+ packages: busybox-static/);
      assert.match(r.stderr, /localhost\/cli\/bb:1: 1 packages, .* compressed/);
      assert.deepEqual((await readBaseLock(lock))?.packages.map((p) => p.name), ["busybox-static"]);
      const again = await berthBase(root, ["build", spec, "-t", "localhost/cli/bb:2", "--lock", lock, "-q"]);
      assert.equal(again.stdout, r.stdout);
      assert.equal(again.stderr, "");
    } finally {
      await tmp.remove();
    }
  });
});
