import * as z from "zod";
import { InvalidArgumentError } from "../../oci/index.js";

/** What a rule may grant on a repository; `*` stands for all three. */
export const REPOSITORY_ACTIONS = ["pull", "push", "delete"] as const;

/** One repository action, or `*` for all of them. */
export type RepositoryAction = (typeof REPOSITORY_ACTIONS)[number];

// Repository grammar letters plus the glob's `*`; anything else could never match a repository.
const REPOSITORY_PATTERN_RE = /^[a-z0-9._\-*]+(\/[a-z0-9._\-*]+)*$/;

const AccessRuleSchema = z.strictObject({
  repository: z
    .string()
    .regex(REPOSITORY_PATTERN_RE, 'must be a repository name or glob ("team-a/*", "team-a/**"): lowercase letters, digits, . _ - / and *'),
  users: z.array(z.string().min(1, "must not be empty")).min(1, 'must name at least one user, "*" or "anonymous"'),
  actions: z.array(z.enum([...REPOSITORY_ACTIONS, "*"])).min(1, "must name at least one of pull, push, delete, *"),
});

const TokenConfigSchema = z.strictObject({
  realm: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  service: z.string().min(1).default("berth-registry"),
  issuer: z.string().min(1).default("berth"),
  key: z.string().min(1).optional(),
  // Docker's token spec: "a token should never be returned with less than 60 seconds to live".
  expiration: z.number().int().min(60).max(86_400).default(300),
});

/**
 * The `auth:` section of the registry config file. Paths (`htpasswd`,
 * `token.key`) are used as given; the caller resolves relative ones against
 * the config file's directory before handing the config over.
 */
export const AuthConfigSchema = z
  .strictObject({
    htpasswd: z.string().min(1).optional(),
    // `token:` with nothing after it is YAML null and means "on, all defaults".
    token: z.preprocess((v) => (v === null ? {} : v), TokenConfigSchema).optional(),
    anonymous: z.enum(["none", "pull"]).default("none"),
    access: z.array(AccessRuleSchema).default([]),
  })
  .refine((c) => c.htpasswd !== undefined || c.token !== undefined, {
    message: "set htpasswd (Basic auth), token (bearer tokens) or both",
  });

/** The parsed `auth:` section, defaults filled in. */
export type AuthConfig = z.output<typeof AuthConfigSchema>;
/** The `token:` subsection, defaults filled in. */
export type TokenConfig = z.output<typeof TokenConfigSchema>;
/** One entry of `access:`. */
export type AccessRule = z.output<typeof AccessRuleSchema>;

/** `["access", 0, "actions"]` → `auth.access[0].actions`. */
export function formatIssuePath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return out;
}

/**
 * Parse the value of the `auth:` key. Throws InvalidArgumentError listing
 * every problem, each led by its field (`auth.access[0].actions: …`).
 */
export function parseAuthConfig(value: unknown): AuthConfig {
  const result = AuthConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${formatIssuePath("auth", i.path)}: ${i.message}`);
  throw new InvalidArgumentError(`registry config: ${problems.join("; ")}`, {
    hint: 'e.g. auth: { htpasswd: /etc/berth/htpasswd, token: {}, anonymous: pull, access: [{ repository: "team-a/*", users: [alice], actions: [pull, push] }] }',
  });
}
