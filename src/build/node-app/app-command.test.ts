import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseAppCommand, NoAppCommandError, parseNodeScript } from "./app-command.js";
import { parsePackageManifest } from "./package-manifest.js";

interface Case {
  readonly name: string;
  readonly pkg: Record<string, unknown>;
  readonly files: readonly string[];
  readonly want?: { cmd: readonly string[]; source: string };
  readonly expectErr?: RegExp;
}

const cases: readonly Case[] = [
  { name: "main", pkg: { main: "server.js", scripts: { start: "node other.js" } }, files: ["server.js", "other.js"], want: { cmd: ["/app/server.js"], source: "main" } },
  { name: "main without extension", pkg: { main: "lib/app" }, files: ["lib/app.js"], want: { cmd: ["/app/lib/app"], source: "main" } },
  { name: "main as a directory with index.js", pkg: { main: "./lib" }, files: ["lib/index.js"], want: { cmd: ["/app/lib"], source: "main" } },
  { name: "npm init's missing index.js falls through to start", pkg: { main: "index.js", scripts: { start: "node app.js" } }, files: ["app.js"], want: { cmd: ["/app/app.js"], source: "start" } },
  { name: "bin string", pkg: { name: "@s/tool", bin: "./cli.js" }, files: ["cli.js"], want: { cmd: ["/app/cli.js"], source: "bin" } },
  { name: "first bin entry", pkg: { bin: { b: "b.js", a: "a.js" } }, files: ["a.js", "b.js"], want: { cmd: ["/app/b.js"], source: "bin" } },
  { name: "start with options and args", pkg: { scripts: { start: "node --enable-source-maps -r ./trace.js dist/index.js --port 80" } }, files: ["dist/index.js"], want: { cmd: ["--enable-source-maps", "-r", "./trace.js", "/app/dist/index.js", "--port", "80"], source: "start" } },
  { name: "start node .", pkg: { main: "missing.js", scripts: { start: "node ." } }, files: ["package.json", "x.js"], want: { cmd: ["/app"], source: "start" } },
  { name: "server.js as npm start finds it", pkg: {}, files: ["server.js", "index.js"], want: { cmd: ["/app/server.js"], source: "server.js" } },
  { name: "index.js last", pkg: {}, files: ["index.js"], want: { cmd: ["/app/index.js"], source: "index.js" } },
  { name: "main that leaves /app is skipped", pkg: { main: "../../etc/passwd" }, files: ["index.js"], want: { cmd: ["/app/index.js"], source: "index.js" } },
  { name: "shell syntax in start is not run", pkg: { scripts: { start: "node a.js && rm -rf /" } }, files: ["a.js"], expectErr: /start "node a\.js && rm -rf \/" is not "node FILE/ },
  { name: "a non-node start", pkg: { scripts: { start: "next start" } }, files: [], expectErr: /no entry point: start "next start" is not "node FILE.*; no server\.js or index\.js/ },
  { name: "nothing at all", pkg: { main: "gone.js" }, files: ["README.md"], expectErr: /main "gone\.js" is not in the app/ },
];

describe("chooseAppCommand", () => {
  for (const c of cases) {
    it(c.name, () => {
      const m = parsePackageManifest(JSON.stringify(c.pkg), "package.json");
      const has = (p: string): boolean => c.files.includes(p);
      if (c.expectErr) {
        assert.throws(() => chooseAppCommand(m, has), (e: unknown) => e instanceof NoAppCommandError && c.expectErr!.test(e.message));
      } else {
        const got = chooseAppCommand(m, has);
        assert.deepEqual({ cmd: got.cmd, source: got.source }, c.want);
      }
    });
  }
});

describe("parseNodeScript", () => {
  it("splits node scripts and refuses the rest", () => {
    assert.deepEqual(parseNodeScript("node server.js"), { options: [], file: "server.js", args: [] });
    assert.equal(parseNodeScript("node -e 1"), undefined);
    assert.equal(parseNodeScript("PORT=1 node a.js"), undefined);
    assert.equal(parseNodeScript("node $FILE"), undefined);
    assert.equal(parseNodeScript("node"), undefined);
    assert.equal(parseNodeScript("nodemon a.js"), undefined);
  });
});
