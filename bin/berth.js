#!/usr/bin/env node
// Thin launcher: the bundled CLI (see scripts/bundle.mjs), else the compiled library.
import { isAscii } from "node:buffer";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
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
 * commands.json), else berth.cjs with every command: help, an unknown word.
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
  return fileURLToPath(new URL(name, dir));
}

/**
 * The bundle, compiled from its V8 code cache when the cache fits this Node
 * (V8 checks its version, flags and the source, and rejects a cache that does
 * not fit: the bundle is then compiled as usual). With BERTH_CODE_CACHE=write,
 * the cache is written after the run (scripts/bundle.mjs does that once).
 */
function loadBundle() {
  const file = bundleFile();
  let source;
  try {
    const bytes = readFileSync(file);
    source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  } catch {
    return undefined;
  }
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // No cache (not made, or removed): compile.
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {"use strict";${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const saveCache = () => {
    const tmp = `${file}.cache.${process.pid}`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, `${file}.cache`);
  };
  return { main: module.exports.main, saveCache: process.env.BERTH_CODE_CACHE === "write" ? saveCache : undefined };
}

const bundle = loadBundle();
const { main } = bundle ?? (await import("../dist/src/cli/main.js"));
process.exitCode = await main(process.argv.slice(2));
bundle?.saveCache?.();
