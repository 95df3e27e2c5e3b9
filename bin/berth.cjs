#!/bin/bash -p
":" /*
# Read by bash until `exec node`, by Node from the line after this comment's end (its first line is
# a string; the shell's lines are a comment to it). Keep `*` followed by `/` out of the shell's part.
# bash, not sh: dash drops the variables whose names are not shell names (`spring.profiles.active`)
# from what it passes on, and `berth run -e NAME` must find them as docker's CLI does; bash passes
# the environment on as given (adding PWD and SHLVL only where they were not set). -p: no BASH_ENV
# or ENV file is read, no function imported from the environment.
#
# A `berth run` is announced to the root's daemon before Node starts: `PID ARGC` on its FIFO (only
# root can write it), and the daemon makes the container while Node starts, ~15 ms here, holding
# the container's process until this berth asks for it (src/api/run-announcements.ts). The root is
# found as berth finds it (src/cli/berth-root.ts); a non-root user cannot write root's FIFO.
# The shell's variables are named berth_* and unset before Node starts: a variable the user exported
# (`a=1 berth run -e a …`) would take the value the shell gave it.
berth_r=${BERTH_ROOT-} berth_w= berth_v=
for berth_a do
  if [ -n "$berth_v" ]; then berth_r=$berth_a berth_v=; continue; fi
  case $berth_a in
    --root) berth_v=1 ;;
    --root=?*) berth_r=${berth_a#--root=} ;;
    --debug) ;;
    *) berth_w=$berth_a; break ;;
  esac
done
if [ "$berth_w" = run ]; then
  berth_f=${berth_r:-/var/lib/berth}/daemon/run.fifo
  # Opened read-write, a FIFO never waits for a reader; a failed open says nothing.
  [ -p "$berth_f" ] && [ -w "$berth_f" ] && printf '%s %s\n' "$$" "$#" 2>/dev/null 1<>"$berth_f" && BERTH_ANNOUNCED=$$ && export BERTH_ANNOUNCED
fi
unset berth_r berth_w berth_v berth_a berth_f
# Node 20 reads NODE_EXTRA_CA_CERTS, and with it its own ~140 root certificates, before any code
# runs: about 40 ms of every start here, though most commands open no TLS connection. It goes to
# Node under another name and is put back below.
BERTH_DEFERRED_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS-} && export BERTH_DEFERRED_EXTRA_CA_CERTS && unset NODE_EXTRA_CA_CERTS
# `--`: Node 20 looks for its own --env-file anywhere in its argv, the script's arguments too, up to
# a `--` (nodejs/node#54232), so `berth run --env-file F` would load F into berth's own environment.
exec node -- "$0" "$@"
*/
// Thin launcher: the bundled CLI (see scripts/bundle.mjs), else the compiled library. CommonJS
// because Node's ES module loader costs about 13 ms at every start here, and the bundles are
// CommonJS already (docs/cli-start.md).
"use strict";
const { isAscii } = require("node:buffer");
const { existsSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const { Script } = require("node:vm");

// The shell part above hands NODE_EXTRA_CA_CERTS over under another name. Put it back for the
// processes berth starts (the daemon, RUN steps' trust), and leave the file to the first TLS
// connection this process opens (src/client/extra-ca.ts). `node bin/berth.cjs` loads it as usual.
const deferredCa = process.env.BERTH_DEFERRED_EXTRA_CA_CERTS;
if (deferredCa !== undefined) {
  delete process.env.BERTH_DEFERRED_EXTRA_CA_CERTS;
  if (deferredCa !== "" && process.env.NODE_EXTRA_CA_CERTS === undefined) {
    process.env.NODE_EXTRA_CA_CERTS = deferredCa;
    globalThis[Symbol.for("berth.deferredExtraCaCerts")] = deferredCa;
  }
}

// The shell part announced this `run` to the daemon (the same pid: it exec'd Node): the run client
// claims the container the daemon made for it (src/cli/commands/run-in-daemon.ts). Not passed on.
const announcedBy = process.env.BERTH_ANNOUNCED;
if (announcedBy !== undefined) {
  delete process.env.BERTH_ANNOUNCED;
  if (announcedBy === String(process.pid)) globalThis[Symbol.for("berth.run.announced")] = true;
}

// A reader that goes away (`berth ps | head`) is not an error: stop quietly, as other tools do.
// The handler is put on each stream when it is first used: making process.stdout or stderr (a
// socket for a pipe, with its modules) costs about a millisecond each here, and a command that
// prints nothing (`berth run --rm IMAGE true`) need not pay it.
const openedStdio = new Set();
function onStdioError(e) {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
}
for (const name of ["stdout", "stderr"]) {
  const own = Object.getOwnPropertyDescriptor(process, name);
  if (own === undefined || own.get === undefined || !own.configurable) {
    openedStdio.add(process[name].on("error", onStdioError));
    continue;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      const stream = own.get.call(process);
      if (!openedStdio.has(stream)) openedStdio.add(stream.on("error", onStdioError));
      return stream;
    },
  });
}

/**
 * The bundle of the command on the command line (scripts/bundle.mjs lists them in
 * commands.json), else berth.cjs with every command: help, the version, an unknown word;
 * and the command's client bundle when it has one (see runCommandLine).
 */
function bundleFiles() {
  const dir = join(__dirname, "..", "dist", "bundle");
  let name = "berth.cjs";
  let client;
  try {
    const { commandWord } = require(join(dir, "command-word.cjs"));
    const word = commandWord(process.argv.slice(2));
    const { bundles, clients } = JSON.parse(readFileSync(join(dir, "commands.json"), "utf8"));
    const named = (map) => (word !== undefined && typeof map === "object" && map !== null && Object.hasOwn(map, word) && typeof map[word] === "string" ? map[word] : undefined);
    name = named(bundles) ?? name;
    client = named(clients);
  } catch {
    // No map (an older build): the whole CLI.
  }
  return { file: join(dir, name), ofCommand: name !== "berth.cjs", client: client === undefined ? undefined : join(dir, client) };
}

/**
 * The bundle, compiled from its V8 code cache when the cache fits this Node
 * (V8 checks its version, flags and the source, and rejects a cache that does
 * not fit: the bundle is then compiled as usual).
 *
 * `<file>.cache` is written by scripts/bundle.mjs after a `--help` run
 * (BERTH_CODE_CACHE=write): it holds the code that initialises the modules.
 * A used-cache is written once, by the first successful run of one of the
 * bundle's commands that started from that cache, as Python writes a .pyc on
 * first import: it also holds the code that command ran (a warm `berth build`
 * compiles a third less at start with it), which no run at build time can
 * make — most commands need root, a registry or containers. One per path a
 * command names (src/cli/run-path.ts: `berth build` in the daemon or here),
 * `<file>.used-cache` for the usual one; `<file>.path` says which path the
 * last successful run took, and so which cache the next run loads. A failure
 * to write them (a read-only install) changes nothing.
 */
function loadBundle(file, ofCommand) {
  let source;
  try {
    const bytes = readFileSync(file);
    source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  } catch {
    return undefined;
  }
  const validPath = (p) => (typeof p === "string" && /^[a-z0-9-]{1,40}$/.test(p) ? p : "");
  const cacheOf = (path) => (path === "" ? `${file}.used-cache` : `${file}.${path}.used-cache`);
  const pathFile = `${file}.path`;
  let lastPath = "";
  try {
    lastPath = validPath(readFileSync(pathFile, "latin1").trim());
  } catch {
    // None yet: the usual path.
  }
  // Help and the version run no command: their cache would be no better than the build's.
  const helpOnly = !ofCommand || process.argv.some((a) => a === "--help" || a === "-h");
  let cachedData;
  let fromBuild = false;
  try {
    cachedData = readFileSync(cacheOf(lastPath));
  } catch {
    fromBuild = true;
    try {
      cachedData = readFileSync(`${file}.cache`);
    } catch {
      // No cache (not made, or removed): compile.
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {"use strict";${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const write = (target, data) => {
    const tmp = `${target}.${process.pid}`;
    try {
      writeFileSync(tmp, data());
      renameSync(tmp, target);
    } catch {
      rmSync(tmp, { force: true });
    }
  };
  const saveCache = (exitCode) => {
    if (process.env.BERTH_CODE_CACHE === "write") return write(`${file}.cache`, () => script.createCachedData());
    if (exitCode !== 0 || helpOnly || script.cachedDataRejected || process.env.BERTH_CODE_CACHE === "off") return;
    const path = validPath(module.exports.runPath?.());
    if (path !== lastPath) write(pathFile, () => path);
    // A run that started from another path's cache compiled that path's code too: only a run that
    // started from the build's cache writes one.
    if (fromBuild && !existsSync(cacheOf(path))) write(cacheOf(path), () => script.createCachedData());
  };
  return { main: module.exports.main, saveCache };
}

/**
 * A command with a client bundle (`run`: src/cli/run-client.ts) tries it first: a small bundle
 * that does the command's usual case by handing it to the daemon, and resolves undefined when it
 * cannot (no daemon, help, a usage error), having printed nothing. The command's whole bundle then
 * runs as if the client had not.
 */
async function runCommandLine(argv) {
  const { file, ofCommand, client } = bundleFiles();
  const first = client === undefined ? undefined : loadBundle(client, true);
  if (first !== undefined) {
    const code = await first.main(argv);
    if (code !== undefined || process.env.BERTH_CODE_CACHE === "write") first.saveCache(code ?? 0);
    if (code !== undefined) return code;
  }
  const bundle = loadBundle(file, ofCommand);
  const { main } = bundle ?? (await import("../dist/src/cli/main.js"));
  const code = await main(argv);
  bundle?.saveCache(code);
  return code;
}

/**
 * Resolves once what was written to `stream` has left this process. stdout and stderr are
 * synchronous for files, pipes and terminals on Linux, but not for a socket (what Node's
 * child_process gives a child for `stdio: "pipe"`): there a write can still be queued when the
 * command returns, and leaving at once dropped the last kilobytes of a large output.
 */
function flushed(stream) {
  return stream.writableLength === 0 ? undefined : new Promise((resolve) => stream.write("", () => resolve()));
}

(async () => {
  process.exitCode = await runCommandLine(process.argv.slice(2));
  await Promise.all([...openedStdio].map(flushed));
  // main is done and has awaited all it started (what outlives it is detached: the daemon, a removal
  // shell), and the output has left. Leaving now spares the heap's teardown at a natural exit: 10-40
  // ms on every command here.
  process.exit();
})();
