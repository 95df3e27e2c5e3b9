#!/usr/bin/env node
// Thin launcher: the bundled CLI (see scripts/bundle.mjs), else the compiled library.
// A reader that goes away (`berth ps | head`) is not an error: stop quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import("../dist/bundle/berth.js").catch(() => import("../dist/src/cli/main.js"));

process.exitCode = await main(process.argv.slice(2));
