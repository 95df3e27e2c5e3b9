import { posix } from "node:path";
import { BerthError } from "../../oci/index.js";
import type { PackageManifest } from "./package-manifest.js";

/** Where the image's Cmd came from. */
export type AppCommandSource = "main" | "bin" | "start" | "server.js" | "index.js";

/** The image's Cmd (after the Entrypoint `/usr/bin/node`) and the package.json field it came from. */
export interface AppCommand {
  readonly cmd: readonly string[];
  readonly source: AppCommandSource;
}

/** Where the app's files are in the image. */
export const APP_DIR = "/app";

/** node options that take their value as the next word (`node -r dotenv/config server.js`). */
const VALUE_FLAGS = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions", "--title", "--stack-size"]);
/** Options that make node run no file. */
const EVAL_FLAGS = new Set(["-e", "--eval", "-p", "--print", "-i", "--interactive", "--test", "--run"]);
const SHELL_SYNTAX = /[|&;<>()$`"'\\*?[\]{}~#!\n]/;

/** No field of package.json names a file to run. */
export class NoAppCommandError extends BerthError {
  constructor(readonly file: string, readonly tried: readonly string[]) {
    super("INVALID_ARGUMENT", `${file}: no entry point: ${tried.join("; ")}`, {
      hint: 'set "main" to the server file, or a "start" script of the form "node FILE [ARGS…]"',
    });
  }
}

/**
 * The command to run, in this order: `main` when that file is in the app
 * (npm init writes `main: index.js` whether or not it exists, so an absent
 * file falls through), the first `bin` entry, a `start` script of the form
 * `node [OPTIONS] FILE [ARGS…]` (plain words only: no shell syntax, no
 * variables), then `server.js` and `index.js` as `npm start` would find them.
 * Paths become absolute under /app; one that leaves /app is skipped.
 * `hasFile(path)` answers for paths relative to the app (`lib/x.js`).
 * Throws NoAppCommandError naming what was tried.
 */
export function chooseAppCommand(m: PackageManifest, hasFile: (path: string) => boolean, file = "package.json"): AppCommand {
  const tried: string[] = [];
  const exists = (p: string): string | undefined => {
    const abs = posix.normalize(posix.join(APP_DIR, p));
    if (abs !== APP_DIR && !abs.startsWith(`${APP_DIR}/`)) return undefined;
    const rel = abs.slice(APP_DIR.length + 1);
    const found = [rel, `${rel}.js`, `${rel}.cjs`, `${rel}.mjs`, `${rel}/index.js`].some((c) => c !== "" && hasFile(c));
    return found || (rel === "" && hasFile("package.json")) ? abs : undefined;
  };
  if (m.main !== undefined) {
    const abs = exists(m.main);
    if (abs) return { cmd: [abs], source: "main" };
    tried.push(`main ${JSON.stringify(m.main)} is not in the app`);
  }
  const [binKey, binPath] = Object.entries(m.bin)[0] ?? [];
  if (binPath !== undefined) {
    const abs = exists(binPath);
    if (abs) return { cmd: [abs], source: "bin" };
    tried.push(`bin ${binKey}: ${JSON.stringify(binPath)} is not in the app`);
  }
  const start = m.scripts.start;
  if (start !== undefined) {
    const parsed = parseNodeScript(start);
    const abs = parsed && exists(parsed.file);
    if (parsed && abs) return { cmd: [...parsed.options, abs, ...parsed.args], source: "start" };
    tried.push(parsed ? `start runs ${JSON.stringify(parsed.file)}, which is not in the app` : `start ${JSON.stringify(start)} is not "node FILE [ARGS…]"`);
  }
  for (const fallback of ["server.js", "index.js"] as const) {
    if (hasFile(fallback)) return { cmd: [`${APP_DIR}/${fallback}`], source: fallback };
  }
  tried.push("no server.js or index.js");
  throw new NoAppCommandError(file, tried);
}

/** `node [OPTIONS] FILE [ARGS…]` split into its parts, or undefined for anything else. */
export function parseNodeScript(script: string): { options: string[]; file: string; args: string[] } | undefined {
  if (SHELL_SYNTAX.test(script)) return undefined;
  const words = script.trim().split(/\s+/);
  if (words[0] !== "node" && words[0] !== "nodejs") return undefined;
  const options: string[] = [];
  let i = 1;
  for (; i < words.length && words[i]!.startsWith("-"); i++) {
    options.push(words[i]!);
    if (VALUE_FLAGS.has(words[i]!) && i + 1 < words.length) options.push(words[++i]!);
  }
  const file = words[i];
  if (file === undefined || options.some((o) => EVAL_FLAGS.has(o.split("=")[0]!))) return undefined;
  return { options, file, args: words.slice(i + 1) };
}
