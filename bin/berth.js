#!/usr/bin/env node
// Thin launcher: the bundled CLI (see scripts/bundle.mjs), else the compiled library.
import { isAscii } from "node:buffer";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { commandWord } from "../dist/src/cli/command-word.js";

// A reader that goes away (`berth ps | head`) is not an error: stop quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/**
 * The bundle of the command on the command line (scripts/bundle.mjs lists them in
 * commands.json), else berth.cjs with every command: help, the version, an unknown word.
 */
function bundleFile() {
  const dir = new URL("../dist/bundle/", import.meta.url);
  const word = commandWord(process.argv.slice(2));
  let name = "berth.cjs";
  try {
    const map = JSON.parse(readFileSync(new URL("commands.json", dir), "utf8"));
    if (word !== undefined && Object.hasOwn(map, word) && typeof map[word] === "string") name = map[word];
  } catch {
    // No map (an older build): the whole CLI.
  }
  return { file: fileURLToPath(new URL(name, dir)), ofCommand: name !== "berth.cjs" };
}

/**
 * The bundle, compiled from its V8 code cache when the cache fits this Node
 * (V8 checks its version, flags and the source, and rejects a cache that does
 * not fit: the bundle is then compiled as usual).
 *
 * Two caches per bundle. `<file>.cache` is written by scripts/bundle.mjs after a
 * `--help` run (BERTH_CODE_CACHE=write): it holds the code that initialises the
 * modules. `<file>.used-cache` is written once, by the first run of one of the
 * bundle's commands that succeeds, as Python writes a .pyc on first import: it
 * also holds the code that command ran (a warm `berth build` compiles a third
 * less at start with it), which no run at build time can make — most commands
 * need root, a registry or containers. A failure to write it (a read-only
 * install) changes nothing.
 */
function loadBundle() {
  const { file, ofCommand } = bundleFile();
  let source;
  try {
    const bytes = readFileSync(file);
    source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  } catch {
    return undefined;
  }
  const usedCache = `${file}.used-cache`;
  // Help and the version run no command: their cache would be no better than the build's.
  const helpOnly = !ofCommand || process.argv.some((a) => a === "--help" || a === "-h");
  let cachedData;
  let used = true;
  try {
    cachedData = readFileSync(usedCache);
  } catch {
    used = false;
    try {
      cachedData = readFileSync(`${file}.cache`);
    } catch {
      // No cache (not made, or removed): compile.
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {"use strict";${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const write = (target) => {
    const tmp = `${target}.${process.pid}`;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, target);
    } catch {
      rmSync(tmp, { force: true });
    }
  };
  const saveCache = (exitCode) => {
    if (process.env.BERTH_CODE_CACHE === "write") write(`${file}.cache`);
    else if (!used && exitCode === 0 && !script.cachedDataRejected && !helpOnly && process.env.BERTH_CODE_CACHE !== "off") write(usedCache);
  };
  return { main: module.exports.main, saveCache };
}

const bundle = loadBundle();
const { main } = bundle ?? (await import("../dist/src/cli/main.js"));
process.exitCode = await main(process.argv.slice(2));
bundle?.saveCache(process.exitCode);
// main is done and has awaited all it started (what outlives it is detached: the daemon, a removal
// shell); stdout and stderr are synchronous for files, pipes and terminals on Linux. Leaving now
// spares the heap's teardown at a natural exit: 10-40 ms on every command here.
process.exit();
