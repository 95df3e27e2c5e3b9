// Bundle the CLI and the two processes it spawns (the exit hook conmon runs, the
// health monitor) into dist/bundle/: Node then loads three files instead of
// several hundred ES modules, which halves `berth`'s start-up — the cost every
// command, every container exit and every bench row pays. The library
// (dist/src) stays unbundled for importers. The entry files keep their names so
// that `new URL("./exit-hook.js", import.meta.url)` finds its sibling either way; an
// entry's code runs unconditionally (a shared module cannot tell it is the entry).
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names are content hashes: without a clean dir, old chunks pile up.
rmSync("dist/bundle", { recursive: true, force: true });

await build({
  entryPoints: {
    berth: "dist/src/cli/main.js",
    "exit-hook": "dist/src/runtime/exit-hook.js",
    "health-monitor-main": "dist/src/runtime/health-monitor-main.js",
  },
  outdir: "dist/bundle",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  splitting: true,
  sourcemap: "linked",
  // Less source to decode and parse at every start (about a third of start-up was compiling the bundle).
  minify: true,
  keepNames: true,
  logLevel: "warning",
  // Some dependencies are CommonJS and call require() for Node's built-ins.
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
});
