import type { IncomingMessage, ServerResponse } from "node:http";
import { BerthError, isBerthError, type ErrorCode } from "../../oci/index.js";
import type { AccessRules } from "./access-rules.js";
import { formatScope, parseScopes, type AccessScope } from "./access-scope.js";
import { BASIC_REALM, parseAuthorization } from "./authorization-header.js";
import type { Htpasswd } from "./htpasswd.js";
import type { TokenIssuer } from "./token-issuer.js";

/** What the token endpoint needs. */
export interface TokenHandlerOptions {
  readonly issuer: TokenIssuer;
  readonly rules: AccessRules;
  /** The users; without it only anonymous tokens are issued. */
  readonly htpasswd?: Htpasswd;
  /** The registry's service name (the tokens' `aud`); requests naming another service are refused. */
  readonly service: string;
}

const MAX_FORM_BYTES = 64 * 1024;

const STATUS_CODE: Readonly<Record<number, ErrorCode>> = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 405: "FAILED_PRECONDITION", 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT" };

/** A refusal of the token endpoint, with its OAuth2 error code (RFC 6749 section 5.2). */
class TokenEndpointError extends BerthError {
  constructor(
    readonly status: number,
    readonly oauthError: string,
    message: string,
    opts: { readonly headers?: Readonly<Record<string, string>>; readonly cause?: unknown } = {},
  ) {
    super(STATUS_CODE[status] ?? "INTERNAL", message, { cause: opts.cause });
    this.headers = opts.headers ?? {};
  }

  readonly headers: Readonly<Record<string, string>>;
}

const badCredentials = (why: string): TokenEndpointError =>
  new TokenEndpointError(401, "invalid_client", why, { headers: { "WWW-Authenticate": `Basic realm="${BASIC_REALM}"` } });

/**
 * The built-in token endpoint of Docker's token auth (distribution's
 * docs/spec/auth/token.md and oauth.md):
 *
 * - `GET ?service=…&scope=repository:name:pull,push&scope=…[&account=…][&offline_token=true]`
 *   with Basic credentials or none (anonymous) → 200 `{token, access_token, expires_in, issued_at[, refresh_token]}`;
 *   bad credentials → 401 with a Basic challenge.
 * - `POST` form `grant_type=password&username=…&password=…` or
 *   `grant_type=refresh_token&refresh_token=…`, with `service`, `scope` (space-separated)
 *   and `access_type=offline` → 200 `{access_token, scope, expires_in, issued_at[, refresh_token]}`;
 *   refusals as OAuth2 errors (400 invalid_grant, …).
 *
 * Granted access is the intersection of the requested and the allowed actions;
 * what is not allowed is left out, never an error, as the spec says.
 */
export function createTokenHandler(opts: TokenHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const endpoint = new TokenEndpoint(opts);
  return (req, res) => {
    endpoint.handle(req, res).catch((e: unknown) => endpoint.fail(req, res, e));
  };
}

interface GrantReply {
  readonly token: string;
  /** Granted scopes, space-separated, for the OAuth2 reply. */
  readonly scope: string;
  readonly rest: { readonly expires_in: number; readonly issued_at: string; readonly refresh_token?: string };
}

class TokenEndpoint {
  constructor(private readonly opts: TokenHandlerOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === "GET") return this.handleGet(req, res);
    if (req.method === "POST") return this.handlePost(req, res);
    throw new TokenEndpointError(405, "invalid_request", `token endpoint: method ${req.method ?? "?"} is not allowed, use GET or POST`, {
      headers: { Allow: "GET, POST" },
    });
  }

  private async handleGet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URL(req.url ?? "/", "http://token.invalid").searchParams;
    this.checkService(query.get("service"));
    const account = await this.authenticate(req.headers.authorization);
    const claimed = query.get("account");
    if (account !== undefined && claimed && claimed !== account) {
      throw new TokenEndpointError(400, "invalid_request", `account "${claimed}" does not match the credentials' user "${account}"`);
    }
    const reply = await this.grant(account, query.getAll("scope"), query.get("offline_token") === "true");
    sendJson(res, 200, { token: reply.token, access_token: reply.token, ...reply.rest });
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    this.checkService(form.get("service"));
    const grantType = form.get("grant_type");
    let account: string;
    let refreshToken: string | undefined;
    if (grantType === "password") {
      const user = form.get("username");
      const password = form.get("password");
      if (!user || password === null) throw new TokenEndpointError(400, "invalid_request", "password grant needs username and password");
      if (!this.opts.htpasswd || !(await this.opts.htpasswd.verify(user, password))) {
        throw new TokenEndpointError(400, "invalid_grant", "invalid username or password");
      }
      account = user;
    } else if (grantType === "refresh_token") {
      refreshToken = form.get("refresh_token") ?? "";
      account = await this.checkRefreshToken(refreshToken);
    } else {
      throw new TokenEndpointError(400, "unsupported_grant_type", `grant_type "${grantType ?? ""}" is not supported; use password or refresh_token`);
    }
    const offline = refreshToken === undefined && form.get("access_type") === "offline";
    const reply = await this.grant(account, form.getAll("scope"), offline);
    sendJson(res, 200, { access_token: reply.token, token: reply.token, scope: reply.scope, ...reply.rest, ...(refreshToken && { refresh_token: refreshToken }) });
  }

  fail(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    const err =
      e instanceof TokenEndpointError
        ? e
        : isBerthError(e, "INVALID_ARGUMENT")
          ? new TokenEndpointError(400, "invalid_scope", e.message)
          : new TokenEndpointError(500, "server_error", `token endpoint: ${(e as Error)?.message ?? String(e)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // GET clients (docker) read `details`; POST clients speak OAuth2 (RFC 6749 section 5.2).
    const body =
      req.method === "POST"
        ? { error: err.oauthError, error_description: err.message }
        : { details: err.message, errors: [{ code: err.status === 401 ? "UNAUTHORIZED" : "UNKNOWN", message: err.message }] };
    sendJson(res, err.status, body, err.headers);
  }

  private checkService(service: string | null): void {
    if (service !== null && service !== "" && service !== this.opts.service) {
      throw new TokenEndpointError(400, "invalid_request", `service "${service}" is not served here; this registry is "${this.opts.service}"`);
    }
  }

  /** The user of valid Basic credentials, or undefined for none (anonymous). */
  private async authenticate(header: string | undefined): Promise<string | undefined> {
    const creds = parseAuthorization(header);
    // Only Basic authenticates here; a stray Bearer header just leaves the client anonymous.
    if (creds === undefined || creds.scheme === "bearer" || creds.scheme === "other") return undefined;
    if (creds.scheme === "malformed") throw badCredentials(`invalid Authorization header: ${creds.reason}`);
    if (!this.opts.htpasswd) throw badCredentials("this registry has no users; leave out credentials for anonymous access");
    if (!(await this.opts.htpasswd.verify(creds.user, creds.password))) throw badCredentials("invalid username or password");
    return creds.user;
  }

  private async checkRefreshToken(token: string): Promise<string> {
    const verified = await this.opts.issuer.verifyRefreshToken(token).catch((e: unknown) => {
      throw new TokenEndpointError(400, "invalid_grant", `refresh token is not valid: ${(e as Error).message}`, { cause: e });
    });
    const current = await this.opts.htpasswd?.passwordVersion(verified.subject);
    if (current !== verified.passwordVersion) {
      throw new TokenEndpointError(400, "invalid_grant", "refresh token was revoked: the user's password changed or the user was removed; log in again");
    }
    return verified.subject;
  }

  private async grant(account: string | undefined, scopeParams: readonly string[], offline: boolean): Promise<GrantReply> {
    const requested = parseScopes(scopeParams);
    const granted: AccessScope[] = requested.map((s) => this.opts.rules.grant(account, s));
    const issued = await this.opts.issuer.issue(account ?? "", granted);
    let refresh: string | undefined;
    if (offline && account !== undefined) {
      const version = await this.opts.htpasswd?.passwordVersion(account);
      if (version !== undefined) refresh = await this.opts.issuer.issueRefreshToken(account, version);
    }
    return {
      token: issued.token,
      scope: granted.filter((g) => g.actions.length > 0).map(formatScope).join(" "),
      rest: { expires_in: issued.expiresIn, issued_at: issued.issuedAt.toISOString(), ...(refresh && { refresh_token: refresh }) },
    };
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new TokenEndpointError(415, "invalid_request", `POST body must be application/x-www-form-urlencoded, got "${type}"`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new TokenEndpointError(413, "invalid_request", `POST body is over ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": body.length,
    // Tokens must not be cached by proxies (RFC 6749 section 5.1).
    "Cache-Control": "no-store",
    Pragma: "no-cache",
  });
  res.end(body);
}
