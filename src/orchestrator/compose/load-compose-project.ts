import { basename, dirname, join, resolve } from "node:path";
import type * as z from "zod";
import { ComposeFileError, type ComposeWarning } from "./compose-file-error.js";
import { composeFileSchema } from "./compose-file-schema.js";
import type { ComposeProject } from "./compose-project.js";
import { locate, type ComposeSource } from "./compose-source.js";
import { findComposeFiles } from "./find-compose-files.js";
import { interpolate } from "./interpolation.js";
import { InterpolationFailure, interpolateValues, isPlainObject } from "./interpolate-values.js";
import { MergeConflict, mergeLayers } from "./merge-compose.js";
import type { NormalizeContext } from "./normalize-context.js";
import { normalizeProject } from "./normalize-project.js";
import { checkProjectName, normalizeProjectName } from "./project-name.js";
import { readComposeSource, readIfExists, readProjectDotenv } from "./read-compose-files.js";
import { PARSE_OPTIONS, schemaProblem } from "./schema-issue.js";
import { unusedFields } from "./unknown-fields.js";
import { validateProject } from "./validate-project.js";
import type { YamlPath } from "./yaml-path.js";

/** Options of {@link loadComposeProject}; all optional. */
export interface LoadComposeOptions {
  /** Compose files, merged in order; relative to the current directory. Default: COMPOSE_FILE, else the file docker compose would find from `workingDir` (or the current directory) up. */
  readonly files?: readonly string[];
  /** Overrides COMPOSE_PROJECT_NAME and `name:`; must be a valid name. */
  readonly projectName?: string;
  /** Variables for interpolation and `KEY`-only environment entries; default `process.env`. Wins over the project's `.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Active profiles; default COMPOSE_PROFILES (comma-separated). `*` enables every service. */
  readonly profiles?: readonly string[];
  /** Services enabled whatever their profiles, with what they depend on: those `up SERVICE…` names, as docker compose enables them. */
  readonly enable?: readonly string[];
  /** The project directory (compose's --project-directory): where `.env` is read and relative paths start. Default: the first file's directory. */
  readonly workingDir?: string;
}

/** A loaded project and everything worth telling the user about it. */
export interface ComposeLoadResult {
  readonly project: ComposeProject;
  readonly warnings: readonly ComposeWarning[];
}

/**
 * Load a compose project as docker compose v2 does: find or read the files,
 * read the project's `.env`, interpolate each file, check it against the
 * compose schema, merge the files in order, read `env_file`s, apply profiles,
 * and check references between services, networks, volumes, secrets and
 * configs. Fields berth does not know or does not use are returned as
 * warnings; they never fail the load.
 *
 * Throws {@link ComposeFileError} (naming the file, line and YAML path, with
 * a hint) for anything invalid, and a NOT_FOUND BerthError when no file is found.
 */
export async function loadComposeProject(opts: LoadComposeOptions = {}): Promise<ComposeLoadResult> {
  const baseEnv = definedOnly(opts.env ?? process.env);
  const found = opts.files !== undefined ? { files: opts.files.map((f) => resolve(f)), warnings: [] }
    : baseEnv.COMPOSE_FILE ? { files: baseEnv.COMPOSE_FILE.split(":").filter((f) => f !== "").map((f) => resolve(opts.workingDir ?? ".", f)), warnings: [] }
    : await findComposeFiles(opts.workingDir ?? process.cwd());
  if (found.files.length === 0) throw new ComposeFileError({}, "no compose file given");
  const warnings: ComposeWarning[] = found.warnings.map((message) => ({ message }));
  const workingDir = resolve(opts.workingDir ?? dirname(found.files[0]!));
  const dotenv = await readProjectDotenv(join(workingDir, ".env"), (k) => baseEnv[k]);
  const env: Record<string, string> = { ...dotenv, ...baseEnv };
  const sources: ComposeSource[] = [];
  for (const file of found.files) {
    const source = await readComposeSource(file);
    warnings.push(...source.warnings);
    sources.push(source);
  }
  const projectName = chooseProjectName(opts, env, sources, workingDir);
  env.COMPOSE_PROJECT_NAME ??= projectName;
  const profiles = opts.profiles ?? (env.COMPOSE_PROFILES ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");

  const missing = new Set<string>();
  let merged: Record<string, unknown> = {};
  for (const source of sources) {
    for (const document of source.documents) {
      const at = (path: YamlPath) => ({ file: source.file, path, line: locate(source, path).line });
      const value = interpolateDocument(document.value, env, source, missing, warnings);
      refuseUnsupported(value, at);
      const checked = composeFileSchema.safeParse(value, PARSE_OPTIONS);
      if (!checked.success) throw problemError(checked.error, at);
      for (const f of unusedFields(composeFileSchema, value)) warnings.push({ ...at(f.path), message: unusedMessage(f.path, f.kind) });
      try {
        merged = mergeLayers(merged, { ...document, value });
      } catch (e) {
        if (e instanceof MergeConflict) throw new ComposeFileError(at(e.path), e.message, { hint: "write the value in the same form in both files, or tag it !override" });
        throw e;
      }
    }
  }
  const inFiles = (path: YamlPath) => locateInFiles(sources, path);
  const model = composeFileSchema.safeParse(merged, PARSE_OPTIONS);
  if (!model.success) throw problemError(model.error, inFiles);
  const ctx: NormalizeContext = {
    projectName, workingDir, env,
    warn: (path, message) => warnings.push({ ...inFiles(path), message }),
    error: (path, detail, hint) => new ComposeFileError(inFiles(path), detail, { hint }),
    readFile: readIfExists,
  };
  const project = await normalizeProject(model.data, merged, found.files, profiles, ctx, opts.enable);
  const all = Object.keys(model.data.services ?? {});
  return { project: validateProject(project, all, ctx), warnings };
}

const definedOnly = (env: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

// Precedence as docker compose: the option, COMPOSE_PROJECT_NAME (environment or .env), the last `name:`, the directory.
function chooseProjectName(opts: LoadComposeOptions, env: Readonly<Record<string, string>>, sources: readonly ComposeSource[], workingDir: string): string {
  if (opts.projectName !== undefined) return checkProjectName(opts.projectName, "projectName");
  if (env.COMPOSE_PROJECT_NAME) return checkProjectName(env.COMPOSE_PROJECT_NAME, "COMPOSE_PROJECT_NAME");
  let fromFile: string | undefined;
  for (const source of sources) {
    for (const d of source.documents) {
      if (typeof d.value.name !== "string") continue;
      try {
        fromFile = normalizeProjectName(interpolate(d.value.name, (k) => env[k]).value) || fromFile;
      } catch (e) {
        throw new ComposeFileError({ file: source.file, path: ["name"], line: locate(source, ["name"]).line }, (e as Error).message, { cause: e });
      }
    }
  }
  const name = fromFile ?? normalizeProjectName(basename(workingDir));
  if (name === "") throw new ComposeFileError({}, `cannot make a project name from the directory ${JSON.stringify(basename(workingDir))}`, { hint: "set name: in the file, or COMPOSE_PROJECT_NAME" });
  return name;
}

function interpolateDocument(value: Record<string, unknown>, env: Readonly<Record<string, string>>, source: ComposeSource, missing: Set<string>, warnings: ComposeWarning[]): Record<string, unknown> {
  try {
    return interpolateValues(value, (k) => env[k], (path, names) => {
      for (const n of names) {
        if (missing.has(n)) continue;
        missing.add(n);
        warnings.push({ file: source.file, path, line: locate(source, path).line, message: `variable ${n} is not set; using an empty string` });
      }
    }) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof InterpolationFailure)) throw e;
    const hint = (e.failure as Error & { hint?: string }).hint;
    throw new ComposeFileError({ file: source.file, path: e.path, line: locate(source, e.path).line }, e.message, { cause: e.failure, ...(hint !== undefined && { hint }) });
  }
}

type Locator = (path: YamlPath) => { file?: string; path: YamlPath; line?: number | undefined };

function refuseUnsupported(value: Record<string, unknown>, at: Locator): void {
  if (value.include !== undefined) throw new ComposeFileError(at(["include"]), "include is not supported by berth", { hint: "pass the files with -f instead" });
  for (const [name, s] of Object.entries(isPlainObject(value.services) ? value.services : {})) {
    if (isPlainObject(s) && s.extends !== undefined) {
      throw new ComposeFileError(at(["services", name, "extends"]), "extends is not supported by berth", { hint: "copy the base service's fields, or share them with a YAML anchor (<<: *base)" });
    }
  }
}

function problemError(error: z.ZodError, at: Locator): ComposeFileError {
  const p = schemaProblem(error);
  return new ComposeFileError(at(p.path), p.message, { hint: p.hint ?? "see the compose-spec for this field" });
}

const unusedMessage = (path: YamlPath, kind: "unknown" | "ignored"): string => {
  const key = String(path[path.length - 1]);
  if (path.length === 1 && key === "version") return "\"version\" is obsolete and ignored";
  return kind === "unknown" ? `unknown field "${key}" is ignored` : `"${key}" is not supported by berth and is ignored`;
};

// A path of the merged model: in the last file that has all of it, else the file that has most of it.
function locateInFiles(sources: readonly ComposeSource[], path: YamlPath): { file?: string; path: YamlPath; line?: number | undefined } {
  let best: { file?: string; line?: number | undefined; depth: number } = { depth: -1 };
  for (const source of [...sources].reverse()) {
    const found = locate(source, path);
    if (found.depth > best.depth) best = { file: source.file, line: found.line, depth: found.depth };
    if (found.depth === path.length) break;
  }
  return { ...(best.file !== undefined && { file: best.file }), path, line: best.line };
}
