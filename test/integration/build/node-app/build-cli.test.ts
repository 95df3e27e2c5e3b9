import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Command, CommanderError } from "commander";
import { buildCommand } from "../../../../src/cli/commands/build-command.js";
import { exitCodeFor } from "../../../../src/cli/exit-codes.js";
import { isBerthError } from "../../../../src/oci/index.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { BUILD_CACHE } from "../base-fixture.js";
import { requireBuildPrerequisites, seedBuildCache } from "./node-app-fixture.js";

/** Run `berth build ARGS…` in-process (main.ts registers the same command); returns what it wrote. */
async function berthBuild(root: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command("berth").exitOverride();
  program.addCommand(buildCommand(() => ({ root })));
  const out = { stdout: "", stderr: "" };
  const write = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((s: string) => ((out.stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((out.stderr += s), true)) as typeof process.stderr.write;
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride().configureOutput({ writeOut: (s) => (out.stdout += s), writeErr: (s) => (out.stderr += s) });
  try {
    await program.parseAsync(["build", ...args], { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError) || e.exitCode !== 0) throw e;
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
  return out;
}

/** Rejects with a BerthError whose message matches `re` and that the CLI maps to exit code `code`. */
const rejectsWith = (p: Promise<unknown>, re: RegExp, code: number): Promise<void> =>
  assert.rejects(p, (e: unknown) => isBerthError(e) && re.test(e.message) && exitCodeFor(e) === code);

describe("berth build (CLI)", () => {
  let tmp: TempDir | undefined;
  after(() => tmp?.remove());
  const project = async (name: string, files: Record<string, string>): Promise<string> => {
    tmp ??= await tempDir("berth-nac-");
    const dir = join(tmp.path, name);
    await mkdir(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
    return dir;
  };

  it("--help lists the flags", async () => {
    const r = await berthBuild("/nonexistent", ["--help"]);
    for (const flag of ["-t, --tag <ref>", "--no-cache", "--progress <type>", "--expose <port>", "--build-arg", "--target <stage>", "-f, --file"]) assert.ok(r.stdout.includes(flag), flag);
  });

  it("a Dockerfile in the context, or -f, makes it a Dockerfile build (errors name the Dockerfile line)", async () => {
    const dir = await project("docker", { "package.json": "{}", Dockerfile: "FROM scratch\nCOPPY x /\n" });
    await rejectsWith(berthBuild("/nonexistent", [dir]), /Dockerfile:2: unknown instruction: COPPY/, 2);
    const plain = await project("plain", { "package.json": "{}" });
    await rejectsWith(berthBuild("/nonexistent", [plain, "-f", join(plain, "Dockerfile.prod")]), /Dockerfile\.prod.*cannot read the Dockerfile: ENOENT/, 2);
  });

  it("refuses a directory without package.json, a bad package.json and a bad --expose before building anything", async () => {
    const empty = await project("empty", {});
    await rejectsWith(berthBuild("/nonexistent", [empty]), /package\.json: cannot read: ENOENT/, 2);
    const bad = await project("bad", { "package.json": '{"bin": 3}' });
    await rejectsWith(berthBuild("/nonexistent", [bad]), /package\.json: bin: /, 2);
    const ok = await project("ok", { "package.json": "{}" });
    await rejectsWith(berthBuild("/nonexistent", [ok, "--expose", "80/icmp"]), /--expose "80\/icmp": expected PORT/, 2);
    await assert.rejects(berthBuild("/nonexistent", [ok, "--progress", "fancy"]), /argument 'fancy' is invalid/);
  });

  it("builds with --progress plain: steps with DONE/CACHED on stderr, the digest on stdout, the same digest again", async (t) => {
    if (!(await requireBuildPrerequisites(t, { npm: false }))) return;
    const dir = await project("hello", { "package.json": JSON.stringify({ name: "@demo/Hello", main: "index.js" }), "index.js": "console.log('hi')\n" });
    const root = join(tmp!.path, "root");
    await seedBuildCache(BUILD_CACHE, root);
    const first = await berthBuild(root, [dir, "--progress", "plain", "--expose", "8080"]);
    assert.match(first.stdout, /^sha256:[a-f0-9]{64}\n$/);
    for (const re of [/^#1 base: nodejs \S+ (DONE|CACHED) \d+\.\ds$/m, /^#2 dependencies: nothing to install CACHED/m, /^#3 app: 2 files, cmd \/app\/index\.js \(from main\) DONE/m, /^#4 image: sha256:/m, /^Built localhost\/demo\/hello:latest: app layer/m]) {
      assert.match(first.stderr, re);
    }
    const again = await berthBuild(root, [dir, "-t", "localhost/demo/hello:2", "--expose", "8080"]);
    assert.equal(again.stdout, first.stdout, "same inputs, same digest");
    assert.match(again.stderr, /^#1 base: nodejs \S+ CACHED/m);
    const quiet = await berthBuild(root, [dir, "-q", "--expose", "8080"]);
    assert.deepEqual(quiet, { stdout: first.stdout, stderr: "" });
    const fresh = await berthBuild(root, [dir, "--no-cache", "--expose", "8080"]);
    assert.match(fresh.stderr, /^#1 base: nodejs \S+ DONE/m, "--no-cache rebuilds the base's layers");
    assert.equal(fresh.stdout, first.stdout, "from the same lock, to the same digest");
  });
});
