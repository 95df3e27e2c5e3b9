import { readFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { IgnoreRules } from "../node-app/ignore-rules.js";

/**
 * Which files of a build context a Dockerfile build sees: `.dockerignore`
 * only, as docker reads it. Unlike the zero-config Node build's
 * ContextFilter there are no default excludes (a Dockerfile may COPY
 * node_modules or .git on purpose), and `<Dockerfile>.dockerignore` beside
 * the Dockerfile wins over the context's `.dockerignore`, as BuildKit does.
 * Same shape as ContextFilter (isIncluded/shouldDescend), so COPY's walk takes either.
 */
export class DockerContextFilter {
  private constructor(readonly rules: IgnoreRules, readonly source: string | undefined) {}

  /** The filter for `contextDir` built with `dockerfile` (none: a Dockerfile from stdin). Throws InvalidArgumentError for a malformed pattern. */
  static async load(contextDir: string, dockerfile: string | undefined): Promise<DockerContextFilter> {
    const beside = dockerfile === undefined ? [] : [join(dirname(dockerfile), `${basename(dockerfile)}.dockerignore`)];
    const candidates = [...beside, join(contextDir, ".dockerignore")];
    for (const file of candidates) {
      const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT" || e.code === "ENOTDIR") return undefined;
        throw e;
      });
      if (text !== undefined) return new DockerContextFilter(IgnoreRules.parse(text, "dockerignore", relative(contextDir, file) || file), file);
    }
    return new DockerContextFilter(IgnoreRules.empty, undefined);
  }

  /** True when `path` (relative to the context, `/`-separated) is part of the context. */
  isIncluded(path: string, isDir: boolean): boolean {
    return !this.rules.isExcluded(path, isDir);
  }

  /** True when a walk must enter the excluded directory `dir` because a `!` rule may bring back something below it. */
  shouldDescend(dir: string): boolean {
    return this.rules.mayReincludeBelow(dir);
  }
}
