import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { InvalidArgumentError } from "../oci/index.js";
import { AuthConfigSchema, formatIssuePath } from "./auth/auth-config.js";

const RegistryConfigSchema = z
  .object({
    /** host:port to listen on. */
    addr: z.string().optional(),
    /** The registry's directory; default <berth root>/registry. */
    root: z.string().optional(),
    tls: z.object({ cert: z.string(), key: z.string() }).strict().optional(),
    auth: AuthConfigSchema.optional(),
    maxManifestBytes: z.number().int().positive().optional(),
  })
  .strict();

/** The registry's config file (YAML), as `berth registry serve --config FILE` reads it. */
export type RegistryConfig = z.output<typeof RegistryConfigSchema>;

/** Read and validate a config file; errors name the file and the field. */
export async function loadRegistryConfig(path: string): Promise<RegistryConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new InvalidArgumentError(`--config ${path}: cannot read (${(cause as Error).message})`, { cause });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (cause) {
    throw new InvalidArgumentError(`${path}: not valid YAML (${(cause as Error).message})`, { cause });
  }
  const parsed = RegistryConfigSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`${path}: ${formatIssuePath("", issue.path).replace(/^\./, "")}: ${issue.message}`);
  }
  return resolvePaths(parsed.data, dirname(resolve(path)));
}

/** Paths in a config file are relative to the file, as in distribution's config. */
function resolvePaths(c: RegistryConfig, base: string): RegistryConfig {
  const r = (p: string): string => resolve(base, p);
  return {
    ...c,
    ...(c.root && { root: r(c.root) }),
    ...(c.tls && { tls: { cert: r(c.tls.cert), key: r(c.tls.key) } }),
    ...(c.auth && {
      auth: {
        ...c.auth,
        ...(c.auth.htpasswd && { htpasswd: r(c.auth.htpasswd) }),
        ...(c.auth.token && { token: { ...c.auth.token, ...(c.auth.token.key && { key: r(c.auth.token.key) }) } }),
      },
    }),
  };
}
