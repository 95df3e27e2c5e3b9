import { parseDotenv } from "./dotenv.js";
import type { EnvFileRef } from "./compose-service.js";
import { resolvePath, type NormalizeContext } from "./normalize-context.js";
import { ComposeFileError } from "./compose-file-error.js";

/** A service's `env_file` entries resolved, and its final environment. */
export interface ServiceEnvironment {
  readonly envFiles: readonly EnvFileRef[];
  readonly environment: Record<string, string>;
}

/**
 * Build a service's environment as docker compose does: each `env_file` in
 * order (later files win; a missing file is an error unless `required: false`),
 * then `environment`, which wins over the files even with no value: a bare
 * `KEY` takes the project's variable, or removes KEY when there is none.
 */
export async function serviceEnvironment(
  service: string,
  envFiles: readonly { path: string; required: boolean; format?: "raw" }[],
  entries: readonly (readonly [string, string | null])[],
  ctx: NormalizeContext,
): Promise<ServiceEnvironment> {
  const environment: Record<string, string> = {};
  const refs: EnvFileRef[] = [];
  for (const [i, entry] of envFiles.entries()) {
    const path = resolvePath(ctx, entry.path);
    refs.push({ path, required: entry.required, ...(entry.format !== undefined && { format: entry.format }) });
    const bytes = await ctx.readFile(path);
    if (bytes === undefined) {
      if (entry.required) throw ctx.error(["services", service, "env_file", i], `env file ${path} not found`, "create it, fix the path, or mark the entry `required: false`");
      continue;
    }
    try {
      Object.assign(environment, parseDotenv(bytes, { file: path, lookup: (k) => ctx.env[k], ...(entry.format !== undefined && { format: entry.format }) }));
    } catch (e) {
      if (e instanceof ComposeFileError) throw e;
      throw ctx.error(["services", service, "env_file", i], `cannot read ${path}: ${(e as Error).message}`, "check the file is a text file of KEY=value lines");
    }
  }
  for (const [key, value] of entries) {
    if (value !== null) environment[key] = value;
    else if (ctx.env[key] !== undefined) environment[key] = ctx.env[key];
    else delete environment[key];
  }
  return { envFiles: refs, environment };
}

/** Build args and the like: entries with a value, `KEY` alone from the project variables or left out. */
export function resolveEntries(entries: readonly (readonly [string, string | null])[] | undefined, env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries ?? []) {
    if (v !== null) out[k] = v;
    else if (env[k] !== undefined) out[k] = env[k];
  }
  return out;
}
