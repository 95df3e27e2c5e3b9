// Bundle the CLI and the two processes it spawns (the exit hook conmon runs, the
// health monitor) into dist/bundle/: Node then loads a few files instead of
// several hundred ES modules — start-up is the cost every command, every
// container exit and every bench row pays. The library (dist/src) stays
// unbundled for importers.
//
// The CLI is one CommonJS file, berth.cjs, that bin/berth.js compiles with a
// V8 code cache (berth.cjs.cache, made here by one warm-up run): compiling a
// megabyte of JavaScript was the largest part of `berth`'s start-up, and Node 20
// keeps no compile cache of its own. One file, not chunks: esbuild splits only
// ES modules, and those cannot be compiled from a cache. Its commands' modules
// are initialised on first use (main.ts imports them lazily), so `berth run`
// runs the code of `run` alone.
//
// The exit hook and the health monitor stay ES modules sharing chunks. Their
// entry files keep their names so that `new URL("./exit-hook.js",
// import.meta.url)` finds its sibling from the CLI's bundle and from dist/src
// alike; an entry's code runs unconditionally (a shared module cannot tell it
// is the entry).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";

// Chunk names are content hashes: without a clean dir, old chunks pile up.
rmSync("dist/bundle", { recursive: true, force: true });

// berth's modules register nothing when imported (STYLE.md): telling esbuild so lets it leave out
// every module whose exports go unused, so a command's code holds what it calls and no more
// (`run` without the network plugins' schemas, the registry client or the unpacker).
const root = resolve("dist/src");
const sideEffectFree = {
  name: "berth-side-effect-free",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, ({ path, resolveDir }) => {
      const file = resolve(resolveDir, path);
      return file.startsWith(`${root}/`) ? { path: file, sideEffects: false } : undefined;
    });
  },
};

const common = {
  plugins: [sideEffectFree],
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // Less source to decode and parse at every start.
  minify: true,
  keepNames: true,
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: { berth: "dist/src/cli/main.js" },
  outfile: "dist/bundle/berth.cjs",
  format: "cjs",
  // A native addon: it finds its .node file from its own package directory.
  external: ["better-sqlite3"],
  // The modules find their siblings (exit-hook.js, package.json) from import.meta.url: here, the bundle's own.
  define: { "import.meta.url": "__berthUrl" },
  banner: { js: "const __berthUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// esbuild keeps non-ASCII characters in regular expression literals (a `µs` unit). One such
// character makes V8 decode the whole file as UTF-8 into a two-byte string, which costs more
// at every start than the rest of reading it: escape them (\uXXXX means the same in a regex).
const cjs = "dist/bundle/berth.cjs";
const text = readFileSync(cjs, "utf8");
const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
if (ascii !== text) writeFileSync(cjs, ascii);

await build({
  ...common,
  entryPoints: {
    "exit-hook": "dist/src/runtime/exit-hook.js",
    "health-monitor-main": "dist/src/runtime/health-monitor-main.js",
  },
  outdir: "dist/bundle",
  format: "esm",
  splitting: true,
  // Some dependencies are CommonJS and call require() for Node's built-ins.
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
});

// The code cache: bin/berth.js writes it after a run that loads every command (`--help`), so the
// cache holds the compiled code of every module's initialisation, not only of the top level.
const warm = spawnSync(process.execPath, ["bin/berth.js", "--help"], {
  env: { ...process.env, BERTH_CODE_CACHE: "write" },
  stdio: ["ignore", "ignore", "inherit"],
  timeout: 60_000,
});
if (warm.status !== 0) {
  process.stderr.write(`bundle: the warm-up run for the code cache failed (${warm.error?.message ?? `exit ${warm.status}`}); berth will compile at every start\n`);
}
