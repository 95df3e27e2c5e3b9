import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { ComposeFileError } from "./compose-file-error.js";
import type { YamlPath } from "./yaml-path.js";

/** What normalising needs from the loader: where paths are relative to, the variables, and how to report. */
export interface NormalizeContext {
  readonly projectName: string;
  /** Absolute project directory. */
  readonly workingDir: string;
  /** The variables of interpolation: the environment over the project's `.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Record a warning about the value at `path` of the merged model. */
  warn(path: YamlPath, message: string): void;
  /** An error about the value at `path` of the merged model, with the file and line where it was written. */
  error(path: YamlPath, detail: string, hint: string): ComposeFileError;
  /** Read a file's bytes; undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
}

/** Expand a leading `~` to the home directory, then resolve against the project directory (compose resolves relative paths so). */
export function resolvePath(ctx: Pick<NormalizeContext, "workingDir">, path: string): string {
  const home = path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
  return isAbsolute(home) ? resolve(home) : resolve(ctx.workingDir, home);
}

/** A build context that is a remote source, left as written: a URL or a git address. */
export const isRemoteContext = (context: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith("git@") || context.startsWith("github.com/");
