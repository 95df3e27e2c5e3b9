#!/usr/bin/env node
// Thin launcher: the bundled CLI (see scripts/bundle.mjs), else the compiled library.
const { main } = await import("../dist/bundle/berth.js").catch(() => import("../dist/src/cli/main.js"));

process.exitCode = await main(process.argv.slice(2));
