import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { InvalidArgumentError, lazy } from "../../oci/index.js";

/** The fields of package.json a build reads; `raw` keeps the whole parsed object (for the cache key). */
export interface PackageManifest {
  readonly name?: string;
  readonly version?: string;
  readonly main?: string;
  /** `bin` as npm normalises it: a string becomes `{ <name>: path }`, insertion order kept. */
  readonly bin: Readonly<Record<string, string>>;
  readonly scripts: Readonly<Record<string, string>>;
  readonly repository?: string;
  /** True when any of dependencies, optionalDependencies or bundleDependencies is non-empty. */
  readonly hasDependencies: boolean;
  readonly raw: Readonly<Record<string, unknown>>;
}

const stringMap = () => z.record(z.string(), z.string());
const Schema = lazy(() => z.looseObject({
  name: z.string().max(214).optional(),
  version: z.string().optional(),
  main: z.string().min(1).optional(),
  bin: z.union([z.string().min(1), stringMap()]).optional(),
  scripts: stringMap().optional(),
  repository: z.union([z.string(), z.looseObject({ url: z.string().optional() })]).optional(),
  dependencies: stringMap().optional(),
  optionalDependencies: stringMap().optional(),
  bundleDependencies: z.union([z.array(z.string()), z.boolean()]).optional(),
  bundledDependencies: z.union([z.array(z.string()), z.boolean()]).optional(),
}));

const MAX_SIZE = 1024 * 1024;

/**
 * Parse the text of a package.json; `file` names it in errors, which name
 * the field (`package.json: bin.serve: expected string`). Unknown fields are
 * kept in `raw` and otherwise ignored, as npm ignores them.
 */
export function parsePackageManifest(text: string, file: string): PackageManifest {
  if (text.length > MAX_SIZE) throw new InvalidArgumentError(`${file}: ${text.length} bytes; a package.json over 1 MiB is refused`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${file}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const r = Schema().safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidArgumentError(`${file}: ${i.path.join(".") || "(top)"}: ${i.message}`, { hint: "fix package.json (npm would refuse it too)" });
  }
  const m = r.data;
  const bin = typeof m.bin === "string" ? { [binName(m.name)]: m.bin } : (m.bin ?? {});
  const repository = typeof m.repository === "string" ? m.repository : m.repository?.url;
  const bundled = m.bundleDependencies ?? m.bundledDependencies;
  return {
    ...(m.name !== undefined && { name: m.name }),
    ...(m.version !== undefined && { version: m.version }),
    ...(m.main !== undefined && { main: m.main }),
    bin,
    scripts: m.scripts ?? {},
    ...(repository !== undefined && { repository }),
    hasDependencies: Object.keys(m.dependencies ?? {}).length + Object.keys(m.optionalDependencies ?? {}).length > 0 || (Array.isArray(bundled) && bundled.length > 0),
    raw: r.data,
  };
}

/** Read and parse `<dir>/package.json`. */
export async function readPackageManifest(dir: string): Promise<PackageManifest> {
  const file = join(dir, "package.json");
  const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError(`${file}: cannot read: ${e.code ?? e.message}`, { cause: e, hint: "berth build without a Dockerfile needs a Node.js project (package.json)" });
  });
  return parsePackageManifest(text, file);
}

/** npm's name for a string `bin`: the package name without its scope. */
const binName = (name: string | undefined): string => (name ?? "app").replace(/^@[^/]+\//, "");
