import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { InvalidArgumentError, lazy } from "../oci/index.js";

/** The account the image runs as. */
export interface BaseUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** A parsed `berth base build` spec, defaults filled in except those taken from the machine (suite, architecture). */
export interface BaseSpec {
  readonly suite?: string;
  readonly components: readonly string[];
  readonly packages: readonly string[];
  /** Packages never installed as dependencies. */
  readonly exclude: readonly string[];
  readonly user: BaseUser;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly workdir?: string;
  /** All `Priority: required` packages plus apt, with their dependencies: a `debian:<suite>-slim` equivalent. */
  readonly debianSlim: boolean;
  readonly architecture?: string;
  readonly mirror?: string;
}

export const NONROOT: BaseUser = { name: "nonroot", uid: 65532, gid: 65532, home: "/home/nonroot" };
const ROOT: BaseUser = { name: "root", uid: 0, gid: 0, home: "/root" };

const packageName = (): z.ZodString => z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, "a Debian package name (lower case, digits, + . -)");
const command = () => z.union([z.string().transform((s) => ["/bin/sh", "-c", s]), z.array(z.string())]);
const Schema = lazy(() => z.strictObject({
  suite: z.string().regex(/^[a-z][a-z0-9.-]*$/).optional(),
  components: z.array(z.string().regex(/^[a-z0-9/-]+$/)).min(1).default(["main"]),
  packages: z.array(packageName()).default([]),
  exclude: z.array(packageName()).default([]),
  user: z.union([
    z.enum(["nonroot", "root"]),
    z.strictObject({ name: z.string().regex(/^[a-z_][a-z0-9_-]*$/), uid: z.number().int().min(0).max(2 ** 31), gid: z.number().int().min(0).max(2 ** 31), home: z.string().startsWith("/").optional() }),
  ]).default("nonroot"),
  entrypoint: command().optional(),
  cmd: command().optional(),
  env: z.record(z.string().regex(/^[^=\s]+$/), z.union([z.string(), z.number()]).transform(String)).default({}),
  labels: z.record(z.string(), z.string()).default({}),
  workdir: z.string().startsWith("/").optional(),
  debian_slim: z.boolean().default(false),
  include_essential: z.boolean().default(false),
  architecture: z.string().regex(/^[a-z0-9-]+$/).optional(),
  mirror: z.url({ protocol: /^https?$/ }).optional(),
}));

/**
 * Parse the YAML text of a spec. `file` names it in errors; an error names
 * the field (`packages.2: …`). A spec with no packages and no `debian_slim`
 * is refused: it would be an empty image.
 */
export function parseBaseSpec(text: string, file: string): BaseSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new InvalidArgumentError(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const r = Schema().safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidArgumentError(`${file}: ${i.path.join(".") || "(top)"}: ${i.message}`, { hint: "see docs/build.md for the spec fields" });
  }
  const s = r.data;
  const debianSlim = s.debian_slim || s.include_essential;
  if (s.packages.length === 0 && !debianSlim) throw new InvalidArgumentError(`${file}: packages: list at least one package (or set debian_slim: true)`);
  const user = s.user === "nonroot" ? NONROOT : s.user === "root" ? ROOT : { ...s.user, home: s.user.home ?? `/home/${s.user.name}` };
  return {
    ...(s.suite && { suite: s.suite }),
    components: s.components,
    packages: s.packages,
    exclude: s.exclude,
    user,
    ...(s.entrypoint && { entrypoint: s.entrypoint }),
    ...(s.cmd && { cmd: s.cmd }),
    env: s.env,
    labels: s.labels,
    ...(s.workdir && { workdir: s.workdir }),
    debianSlim,
    ...(s.architecture && { architecture: s.architecture }),
    ...(s.mirror && { mirror: s.mirror }),
  };
}

/** Read and parse the spec file at `path`. */
export async function loadBaseSpec(path: string): Promise<BaseSpec> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new InvalidArgumentError(`${path}: cannot read spec: ${e.code ?? e.message}`, { cause: e });
  });
  return parseBaseSpec(text, path);
}
