import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { AccessRules } from "./access-rules.js";
import { formatScope, hasAction, type AccessScope } from "./access-scope.js";
import type { AuthConfig } from "./auth-config.js";
import { BASIC_REALM, parseAuthorization } from "./authorization-header.js";
import { Htpasswd } from "./htpasswd.js";
import { loadOrCreateSigningKey, loadSigningKey } from "./signing-key.js";
import { createTokenHandler } from "./token-handler.js";
import { TokenInvalidError, TokenIssuer, type VerifiedToken } from "./token-issuer.js";

export type { AccessScope } from "./access-scope.js";

/** The verdict on one request. A refusal carries what to answer: status, `WWW-Authenticate` value, distribution error code. */
export type AuthDecision =
  | { readonly allowed: true; readonly account?: string }
  | {
      readonly allowed: false;
      readonly status: 401 | 403;
      readonly challenge?: string;
      readonly code: "UNAUTHORIZED" | "DENIED";
      readonly message: string;
    };

/**
 * Decides whether a registry request may go ahead. Made once per server by
 * {@link createAuthorizer}; stateless per request apart from caches.
 */
export interface Authorizer {
  /** May the request (its Authorization header) do all of `scopes`? An empty list is the `/v2/` check: any valid credentials. */
  authorize(authorization: string | undefined, scopes: readonly AccessScope[]): Promise<AuthDecision>;
  /** The token endpoint's handler, when the built-in token flow is on; its path is tokenPath. */
  readonly tokenHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  readonly tokenPath?: string;
}

/** Where the authorizer keeps state and how it names the registry. */
export interface AuthorizerOptions {
  /** The registry's data directory; the generated token key is `<root>/token-key.pem`. */
  readonly root: string;
  /** The registry's external base URL (`https://host:port`), asked for when a challenge is built. */
  readonly baseUrl: () => string;
}

const ALLOW_ALL: Authorizer = { authorize: () => Promise.resolve({ allowed: true }) };

/**
 * The authorizer for a registry config's `auth:` section:
 * - none: every request is allowed, anonymously;
 * - `htpasswd` only: Basic auth; missing or bad credentials → 401 with
 *   `Basic realm="berth-registry"` (anonymous requests pass where `anonymous`/rules allow),
 *   authenticated but not allowed → 403 DENIED;
 * - `token`: Bearer tokens from the built-in token endpoint (users from
 *   `htpasswd`); no, bad or insufficient token → 401 with a Bearer challenge naming
 *   realm, service and scope, plus `error="invalid_token"` or `"insufficient_scope"` as distribution sends.
 *
 * Loading fails (NOT_FOUND, INVALID_ARGUMENT) when the htpasswd file or a
 * configured key is missing or malformed; a token key that is not configured
 * is generated on first start.
 */
export async function createAuthorizer(config: AuthConfig | undefined, opts: AuthorizerOptions): Promise<Authorizer> {
  if (config === undefined) return ALLOW_ALL;
  const rules = new AccessRules(config.access, config.anonymous);
  const htpasswd = config.htpasswd === undefined ? undefined : await Htpasswd.load(config.htpasswd);
  const token = config.token;
  if (token === undefined) return basicAuthorizer(rules, htpasswd);

  const key = token.key === undefined ? await loadOrCreateSigningKey(join(opts.root, "token-key.pem")) : await loadSigningKey(token.key);
  const issuer = new TokenIssuer(key, { issuer: token.issuer, service: token.service, expiration: token.expiration });
  const tokenPath = token.realm === undefined ? "/token" : new URL(token.realm).pathname;
  const realm = (): string => token.realm ?? `${opts.baseUrl().replace(/\/+$/, "")}${tokenPath}`;
  return {
    authorize: (authorization, scopes) => authorizeBearer(issuer, { realm: realm(), service: token.service }, authorization, scopes),
    tokenHandler: createTokenHandler({ issuer, rules, htpasswd, service: token.service }),
    tokenPath,
  };
}

const covers = (granted: readonly AccessScope[], needed: AccessScope): boolean => {
  const have = granted.filter((g) => g.type === needed.type && g.name === needed.name).flatMap((g) => g.actions);
  return needed.actions.every((a) => hasAction(have, a));
};

const describe = (scopes: readonly AccessScope[]): string =>
  scopes.map((s) => `${s.actions.join(",")} on ${s.type} "${s.name}"`).join("; ");

function basicAuthorizer(rules: AccessRules, htpasswd: Htpasswd | undefined): Authorizer {
  const challenge = `Basic realm="${BASIC_REALM}"`;
  const unauthorized = (message: string): AuthDecision => ({ allowed: false, status: 401, challenge, code: "UNAUTHORIZED", message });
  const allows = (account: string | undefined, scopes: readonly AccessScope[]): boolean =>
    scopes.every((s) => covers([rules.grant(account, s)], s));
  return {
    async authorize(authorization, scopes) {
      const creds = parseAuthorization(authorization);
      if (creds === undefined) {
        // /v2/ (no scopes) always challenges an anonymous client: that is how docker login finds out to send credentials.
        if (scopes.length > 0 && allows(undefined, scopes)) return { allowed: true };
        return unauthorized("authentication required");
      }
      if (creds.scheme === "malformed") return unauthorized(`invalid Authorization header: ${creds.reason}`);
      if (creds.scheme !== "basic") return unauthorized("this registry takes Basic credentials");
      if (!htpasswd || !(await htpasswd.verify(creds.user, creds.password))) return unauthorized("invalid username or password");
      if (allows(creds.user, scopes)) return { allowed: true, account: creds.user };
      return { allowed: false, status: 403, code: "DENIED", message: `user "${creds.user}" may not ${describe(scopes)}` };
    },
  };
}

async function authorizeBearer(
  issuer: TokenIssuer,
  where: { readonly realm: string; readonly service: string },
  authorization: string | undefined,
  scopes: readonly AccessScope[],
): Promise<AuthDecision> {
  const challenge = (error?: string): string =>
    `Bearer realm="${where.realm}",service="${where.service}"` +
    (scopes.length > 0 ? `,scope="${scopes.map(formatScope).join(" ")}"` : "") +
    (error === undefined ? "" : `,error="${error}"`);
  const creds = parseAuthorization(authorization);
  if (creds === undefined || creds.scheme === "basic" || creds.scheme === "other") {
    return { allowed: false, status: 401, challenge: challenge(), code: "UNAUTHORIZED", message: "authentication required" };
  }
  if (creds.scheme === "malformed") {
    return { allowed: false, status: 401, challenge: challenge("invalid_token"), code: "UNAUTHORIZED", message: creds.reason };
  }
  let verified: VerifiedToken;
  try {
    verified = await issuer.verify(creds.token);
  } catch (e) {
    if (!(e instanceof TokenInvalidError)) throw e;
    return { allowed: false, status: 401, challenge: challenge("invalid_token"), code: "UNAUTHORIZED", message: e.message };
  }
  const account = verified.subject === "" ? undefined : verified.subject;
  const missing = scopes.filter((s) => !covers(verified.access, s));
  if (missing.length === 0) return account === undefined ? { allowed: true } : { allowed: true, account };
  return {
    allowed: false,
    status: 401,
    challenge: challenge("insufficient_scope"),
    // A signed-in user who lacks a right is denied; an anonymous one is asked to sign in.
    code: account === undefined ? "UNAUTHORIZED" : "DENIED",
    message: `${account === undefined ? "anonymous access" : `user "${account}"`} may not ${describe(missing)}`,
  };
}
