import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { BerthError } from "../../oci/index.js";

/** The names docker compose looks for, in its order of preference. */
export const COMPOSE_FILE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"] as const;
/** Override files merged after the main file when present beside it. */
export const OVERRIDE_FILE_NAMES = ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"] as const;
// Deep enough for any real checkout; bounds the walk up on odd mounts.
const MAX_PARENTS = 64;

/** The files found, and what to warn about. */
export interface FoundComposeFiles {
  readonly files: readonly string[];
  readonly warnings: readonly string[];
}

const isFile = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isFile() ?? false;

/**
 * Find the compose file as docker compose does when no `-f` is given: in
 * `dir`, then in each parent, the first directory holding one of
 * {@link COMPOSE_FILE_NAMES} wins; when it holds several, the first name is
 * used and a warning says so. An override file beside it
 * ({@link OVERRIDE_FILE_NAMES}) is merged after it.
 *
 * Throws a NOT_FOUND BerthError when no directory up to the root has one.
 */
export async function findComposeFiles(dir: string): Promise<FoundComposeFiles> {
  let at = resolve(dir);
  for (let i = 0; i < MAX_PARENTS; i++) {
    const main = await existing(at, COMPOSE_FILE_NAMES);
    if (main.length > 0) {
      const warnings: string[] = [];
      if (main.length > 1) warnings.push(`found several compose files in ${at} (${main.map((p) => p.slice(at.length + 1)).join(", ")}); using ${main[0]}`);
      const overrides = await existing(at, OVERRIDE_FILE_NAMES);
      if (overrides.length > 1) warnings.push(`found several override files in ${at}; using ${overrides[0]}`);
      return { files: [main[0]!, ...overrides.slice(0, 1)], warnings };
    }
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  throw new BerthError("NOT_FOUND", `no compose file in ${resolve(dir)} or any parent directory (looked for ${COMPOSE_FILE_NAMES.join(", ")})`, {
    hint: "cd to the project, or name the file with -f",
  });
}

async function existing(dir: string, names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) if (await isFile(join(dir, n))) out.push(join(dir, n));
  return out;
}
