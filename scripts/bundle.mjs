// Bundle the CLI and the two processes it spawns (the exit hook conmon runs, the
// health monitor) into dist/bundle/: Node then loads three files instead of
// several hundred ES modules, which halves `berth`'s start-up — the cost every
// command, every container exit and every bench row pays. The library
// (dist/src) stays unbundled for importers. The entry files keep their names so
// that `new URL("./exit-hook.js", import.meta.url)` finds its sibling either way; an
// entry's code runs unconditionally (a shared module cannot tell it is the entry).
import { build } from "esbuild";

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
  logLevel: "warning",
  // Some dependencies are CommonJS and call require() for Node's built-ins.
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
});
