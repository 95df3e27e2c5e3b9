import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { IgnoreRules, type IgnoreSyntax } from "./ignore-rules.js";

/**
 * Left out of every app layer even when no ignore file says so, at any
 * depth: dependencies (the dependencies layer owns `/app/node_modules`),
 * version control, and files that usually hold secrets. A `!` line of the
 * ignore file that names such a path itself (`!config/.env.defaults`,
 * `!**\/*.pem`) brings it back; a broader one (`!config`) does not.
 */
export const DEFAULT_EXCLUDES: readonly string[] = ["node_modules", ".git", ".env", ".env.*", "*.pem", "id_rsa*"];

const defaults = IgnoreRules.parse(DEFAULT_EXCLUDES.join("\n"), "gitignore", "berth's default excludes");

/**
 * Decides which files of a build context go into the app layer: the
 * context's ignore rules, then {@link DEFAULT_EXCLUDES}. The top-level
 * `node_modules` is never included, whatever the rules say.
 */
export class ContextFilter {
  /** `source` is the ignore file the rules came from, or undefined when there is none. */
  constructor(readonly rules: IgnoreRules, readonly source?: ".dockerignore" | ".gitignore") {}

  /**
   * The filter for the context at `dir`: its `.dockerignore`, else its
   * `.gitignore` (the root one only; nested .gitignore files are not read),
   * else no rules. Throws InvalidArgumentError for a malformed pattern.
   */
  static async load(dir: string): Promise<ContextFilter> {
    for (const [name, syntax] of [[".dockerignore", "dockerignore"], [".gitignore", "gitignore"]] as const) {
      const text = await readFile(join(dir, name), "utf8").catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
      });
      if (text !== undefined) return new ContextFilter(IgnoreRules.parse(text, syntax as IgnoreSyntax, join(dir, name)), name);
    }
    return new ContextFilter(IgnoreRules.empty);
  }

  /** True when `path` (relative to the context, `/`-separated) belongs in the app layer. */
  isIncluded(path: string, isDir: boolean): boolean {
    if (path === "node_modules" || path.startsWith("node_modules/")) return false;
    if (this.rules.isExcluded(path, isDir)) return false;
    const guarded = guardedAncestor(path, isDir);
    return guarded === undefined || this.rules.isNegatedExactly(guarded.path, guarded.isDir);
  }

  /** True when the walk must enter the directory `dir` even though it is not included itself. */
  shouldDescend(dir: string): boolean {
    if (dir === "node_modules") return false;
    return this.rules.mayReincludeBelow(dir);
  }
}

/** The outermost path at or above `path` that a default exclude names, if any. */
function guardedAncestor(path: string, isDir: boolean): { path: string; isDir: boolean } | undefined {
  const parts = path.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join("/");
    const dir = i < parts.length || isDir;
    if (defaults.rules.some((r) => r.matches(p) && (!r.isDirOnly || dir))) return { path: p, isDir: dir };
  }
  return undefined;
}
