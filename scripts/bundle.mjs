// Bundle the CLI and the two processes it spawns (the exit hook conmon runs, the
// health monitor) into dist/bundle/: Node then loads a few files instead of
// several hundred ES modules — start-up is the cost every command, every
// container exit and every bench row pays. The library (dist/src) stays
// unbundled for importers.
//
// The CLI is CommonJS files that bin/berth.cjs compiles with a V8 code cache
// (<file>.cache, made here by a warm-up run of each): compiling a megabyte of
// JavaScript was the largest part of `berth`'s start-up, and Node 20 keeps no
// compile cache of its own. Not chunks: esbuild splits only ES modules, and those
// cannot be compiled from a cache. Instead one whole bundle per command module
// (berth-run-command.cjs holds `run` and `create` and what they call, and no
// other command's code), picked by the launcher from commands.json, and
// berth.cjs with every command for help and unknown words: reading and
// deserialising the code of commands that will not run was most of what was
// left of start-up.
//
// The exit hook and the health monitor stay ES modules sharing chunks. Their
// entry files keep their names so that `new URL("./exit-hook.js",
// import.meta.url)` finds its sibling from the CLI's bundle and from dist/src
// alike; an entry's code runs unconditionally (a shared module cannot tell it
// is the entry).
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

// Chunk names are content hashes: without a clean dir, old chunks pile up.
rmSync("dist/bundle", { recursive: true, force: true });

// berth's modules register nothing when imported (STYLE.md): telling esbuild so lets it leave out
// every module whose exports go unused, so a command's code holds what it calls and no more
// (`run` without the network plugins' schemas, the registry client or the unpacker).
const root = resolve("dist/src");
const commandsDir = `${root}/cli/commands/`;
const mainFile = `${root}/cli/main.js`;
/**
 * With `keep`, the file of one command module (see COMMAND_MODULES in main.ts): main's lazy
 * imports of every other command module become empty modules, so that command's bundle holds
 * its own code alone. Those imports never run in it: the launcher picks the bundle by the
 * command's name.
 */
const sideEffectFree = (keep) => ({
  name: "berth-side-effect-free",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, ({ path, resolveDir, kind, importer }) => {
      const file = resolve(resolveDir, path);
      if (keep !== undefined && kind === "dynamic-import" && importer === mainFile && file.startsWith(commandsDir) && file !== `${commandsDir}${keep}.js`) {
        return { path: file, namespace: "berth-other-command" };
      }
      return file.startsWith(`${root}/`) ? { path: file, sideEffects: false } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "berth-other-command" }, () => ({ contents: "export {};", loader: "js" }));
  },
});

/**
 * node:crypto, node:zlib, node:http, node:https, node:tls, node:child_process and node:readline, as berth's
 * own modules import them (and child_process as commander does), become stand-ins that load the
 * module on first call. Node compiles a built-in module when it is first required, and an esbuild
 * bundle requires every built-in its modules import when it loads: `berth run` paid 5 ms for
 * crypto and 2 ms for zlib at every start, though it hashes nothing and (pulling nothing) inflates
 * nothing; a copy between plain-HTTP registries about 10 ms for https and tls (which load crypto
 * too) before its first request; the run client about 3 ms for child_process and readline, and
 * 0.8 ms for http, which a foreground run handed to the daemon on its run socket never calls. Only functions (classes called with `new`
 * included) are stood in for: importing anything else from them fails the bundle here, and none of
 * berth's modules tests `instanceof` against them. Other dependencies keep the real modules (jose
 * checks `instanceof KeyObject`).
 */
const LAZY_BUILTINS = /^(?:node:)?(crypto|zlib|https?|tls|child_process|readline)$/;
/** commander requires node:child_process at load for executable subcommands, which berth has none of. */
const lazyFor = (importer, name) => importer.startsWith(`${root}/`) || (name === "child_process" && /[\\/]node_modules[\\/]commander[\\/]/.test(importer));
const lazyBuiltins = {
  name: "berth-lazy-builtins",
  setup(b) {
    b.onResolve({ filter: LAZY_BUILTINS }, ({ path, importer, namespace }) => {
      const name = LAZY_BUILTINS.exec(path)[1];
      if (namespace === "berth-lazy-builtin" || !lazyFor(importer, name)) return { path: `node:${name}`, external: true };
      return { path: name, namespace: "berth-lazy-builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "berth-lazy-builtin" }, async ({ path }) => {
      const real = (await import(`node:${path}`)).default;
      const names = Object.keys(real).filter((k) => typeof real[k] === "function" && /^[A-Za-z_$][\w$]*$/.test(k));
      const stand = (k) => `export function ${k}(...a) { return new.target ? new (load().${k})(...a) : load().${k}(...a); }`;
      return { contents: [`let m;\nconst load = () => (m ??= process.getBuiltinModule("node:${path}"));`, ...names.map(stand)].join("\n"), loader: "js" };
    });
  },
};

const common = {
  plugins: [sideEffectFree(undefined)],
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // Less source to decode and parse at every start.
  minify: true,
  keepNames: true,
  logLevel: "warning",
};

/**
 * One CommonJS bundle of the CLI: every command, or with `keep` the command module of that file
 * alone; or from another `entry` (a client bundle).
 */
async function cliBundle(name, keep, entry = "dist/src/cli/main.js") {
  const outfile = `dist/bundle/${name}.cjs`;
  await build({
    ...common,
    plugins: [lazyBuiltins, sideEffectFree(keep)],
    // A name the stand-ins lack (not a function, or newer than this Node) must not pass unseen.
    logOverride: { "import-is-undefined": "error" },
    entryPoints: { [name]: entry },
    outfile,
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
  const text = readFileSync(outfile, "utf8");
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (ascii !== text) writeFileSync(outfile, ascii);
}

// A bundle per command module, and berth.cjs with them all (help, an unknown command). The
// launcher finds a command's bundle in commands.json.
const { COMMAND_MODULES } = await import(pathToFileURL(`${root}/cli/main.js`).href);
const commandBundles = {};
for (const m of COMMAND_MODULES) for (const n of m.names) commandBundles[n] = `berth-${m.file}.cjs`;
// Client bundles, by command word: the launcher runs one first, and the command's bundle only when
// the client cannot do the command (see bin/berth.cjs). `run`'s hands the container to the daemon
// with a tenth of the code the whole command loads (src/cli/run-client.ts).
const CLIENTS = { run: "run-client", copy: "copy-client" };
const clientBundles = Object.fromEntries(Object.entries(CLIENTS).map(([word, file]) => [word, `berth-${file}.cjs`]));
await Promise.all([
  cliBundle("berth", undefined),
  ...COMMAND_MODULES.map((m) => cliBundle(`berth-${m.file}`, m.file)),
  ...Object.values(CLIENTS).map((file) => cliBundle(`berth-${file}`, undefined, `dist/src/cli/${file}.js`)),
]);
writeFileSync("dist/bundle/commands.json", `${JSON.stringify({ bundles: commandBundles, clients: clientBundles }, null, 2)}\n`);
// What the launcher (CommonJS, bin/berth.cjs) reads first, to pick the bundle.
await build({ ...common, sourcemap: false, entryPoints: { "command-word": "dist/src/cli/command-word.js" }, outfile: "dist/bundle/command-word.cjs", format: "cjs" });

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

// The code caches: bin/berth.cjs writes one after a run that loads the commands of its bundle
// (`--help`, `<command> --help`), so the cache holds the compiled code of every module's
// initialisation, not only of the top level.
const warmUps = [[], ...COMMAND_MODULES.map((m) => [m.names[0], "--help"])];
// A client bundle's cache comes from a run of its own word (`copy` is not its module's first name).
for (const word of Object.keys(CLIENTS)) if (!warmUps.some((w) => w[0] === word)) warmUps.push([word, "--help"]);
const failed = [];
await Promise.all([0, 1].map(async (lane) => {
  for (let i = lane; i < warmUps.length; i += 2) {
    const args = ["bin/berth.cjs", ...warmUps[i], ...(warmUps[i].length === 0 ? ["--help"] : [])];
    const status = await new Promise((done) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, BERTH_CODE_CACHE: "write" }, stdio: ["ignore", "ignore", "inherit"], timeout: 60_000 });
      child.on("error", () => done(-1));
      child.on("close", (code) => done(code));
    });
    if (status !== 0) failed.push(`${args.slice(1).join(" ")} (exit ${status})`);
  }
}));
if (failed.length > 0) {
  process.stderr.write(`bundle: warm-up runs for the code caches failed: ${failed.join(", ")}; those bundles compile at every start\n`);
}
