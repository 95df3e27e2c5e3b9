import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import type { HttpResponse, HttpTransport } from "../http-transport.js";
import { readBody } from "../internal/read-body.js";
import { isInsecureAllowed } from "../registry-endpoint.js";
import { responseError } from "../registry-response-error.js";
import type { Challenge } from "./challenge.js";
import type { Credentials } from "./docker-config.js";
import { TokenCache } from "./token-cache.js";

/** What an Authenticator needs. */
export interface AuthenticatorOptions {
  /** The registry host, for messages and the login hint. */
  readonly host: string;
  /** Called at most once, when a challenge first needs credentials. */
  readonly credentials: () => Promise<Credentials | undefined>;
  readonly transport: HttpTransport;
  readonly userAgent: string;
  /** Hosts whose token endpoint may be plain HTTP (loopback hosts always may). */
  readonly insecureRegistries?: readonly string[];
  readonly tokens?: TokenCache;
}

const MAX_TOKEN_RESPONSE = 1 << 20;
// A token goes into a header: visible ASCII only, so a hostile endpoint cannot inject header lines.
const TOKEN_GRAMMAR = /^[\x21-\x7e]{1,65536}$/;

/** `repository:<name>:<actions>`, the scope of Docker's token auth for one repository. */
export const repositoryScope = (repository: string, actions: string): string => `repository:${repository}:${actions}`;

/**
 * Answers a registry's challenges (distribution's token spec, RFC 7617):
 * Basic with the user's password, or Bearer with a token from the challenge's
 * realm for the challenge's service and the request's scopes: fetched with
 * Basic credentials (GET), with an identity token (POST, OAuth2 refresh_token
 * grant) or anonymously, cached per (realm, service, scopes) until shortly
 * before it expires. Concurrent requests for one token share one fetch.
 * Credentials are never sent to a plain-HTTP realm that is not loopback or
 * listed as insecure.
 */
export class Authenticator {
  private challenge: Challenge | undefined;
  private credentialsOnce: Promise<Credentials | undefined> | undefined;
  private readonly tokens: TokenCache;
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(private readonly opts: AuthenticatorOptions) {
    this.tokens = opts.tokens ?? new TokenCache();
  }

  /** Whether the registry has asked for authentication yet. */
  get hasChallenge(): boolean {
    return this.challenge !== undefined;
  }

  /**
   * Remember the scheme a 401 asked for (Bearer preferred over Basic).
   * Returns false when it offered none that berth speaks.
   */
  noteChallenges(challenges: readonly Challenge[]): boolean {
    const chosen = challenges.find((c) => c.scheme === "bearer" && c.params.realm) ?? challenges.find((c) => c.scheme === "basic");
    if (chosen === undefined) return false;
    this.challenge = chosen;
    return true;
  }

  /**
   * The Authorization header for a request needing `scopes`, or undefined
   * when no challenge was seen or there is nothing to answer it with. With
   * `refresh`, a cached token is dropped and a new one fetched (the registry
   * refused the old one).
   */
  async authorization(scopes: readonly string[], opts: { readonly refresh?: boolean; readonly signal?: AbortSignal } = {}): Promise<string | undefined> {
    const c = this.challenge;
    if (c === undefined) return undefined;
    if (c.scheme === "basic") {
      const creds = await this.credentials();
      if (creds?.username === undefined || creds.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    }
    const key = { realm: c.params.realm ?? "", service: c.params.service ?? "", scopes };
    if (opts.refresh) this.tokens.delete(key);
    const cached = this.tokens.get(key);
    if (cached !== undefined) return `Bearer ${cached}`;
    const id = JSON.stringify(key);
    let pending = this.fetching.get(id);
    if (pending === undefined) {
      pending = this.fetchToken(key.realm, key.service, scopes, opts.signal).finally(() => this.fetching.delete(id));
      this.fetching.set(id, pending);
    }
    return `Bearer ${await pending}`;
  }

  /** Whether there are credentials to answer a challenge with (not anonymous). */
  async hasCredentials(): Promise<boolean> {
    const c = await this.credentials();
    return c?.identityToken !== undefined || (c?.username !== undefined && c.password !== undefined);
  }

  private credentials(): Promise<Credentials | undefined> {
    this.credentialsOnce ??= this.opts.credentials();
    return this.credentialsOnce;
  }

  private async fetchToken(realm: string, service: string, scopes: readonly string[], signal?: AbortSignal): Promise<string> {
    const url = this.realmUrl(realm);
    const creds = await this.credentials();
    const sendsSecret = creds?.identityToken !== undefined || creds?.password !== undefined;
    if (sendsSecret && !isInsecureAllowed(url, this.opts.insecureRegistries ?? [])) {
      throw new BerthError("PERMISSION_DENIED", `token realm ${url.origin}${url.pathname}: plain HTTP; berth does not send credentials in clear text`, {
        hint: `serve the token endpoint over HTTPS, or list ${url.host} in insecureRegistries if you trust the network`,
      });
    }
    const res = creds?.identityToken !== undefined
      ? await this.post(url, service, scopes, creds.identityToken, signal)
      : await this.get(url, service, scopes, creds, signal);
    if (res.status !== 200) {
      const err = await responseError(res, { method: creds?.identityToken !== undefined ? "POST" : "GET", url: res.url, host: this.opts.host });
      if (res.status === 400 || res.status === 401 || res.status === 403) {
        throw new BerthError("UNAUTHENTICATED", `get a token for ${this.opts.host}: ${err.message}`, { cause: err, hint: `run berth login ${this.opts.host}` });
      }
      throw err;
    }
    const { token, expiresIn } = await parseTokenResponse(res, url);
    this.tokens.set({ realm, service, scopes }, token, expiresIn);
    return token;
  }

  private get(url: URL, service: string, scopes: readonly string[], creds: Credentials | undefined, signal?: AbortSignal): Promise<HttpResponse> {
    const u = new URL(url);
    if (service !== "") u.searchParams.set("service", service);
    for (const s of scopes) u.searchParams.append("scope", s);
    const headers: Record<string, string> = { "user-agent": this.opts.userAgent, accept: "application/json" };
    if (creds?.username !== undefined && creds.password !== undefined) {
      u.searchParams.set("account", creds.username);
      headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    }
    return this.opts.transport.request({ method: "GET", url: u, headers, ...(signal && { signal }) });
  }

  private post(url: URL, service: string, scopes: readonly string[], refreshToken: string, signal?: AbortSignal): Promise<HttpResponse> {
    const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, service, client_id: "berth", scope: scopes.join(" ") });
    return this.opts.transport.request({
      method: "POST",
      url,
      headers: { "user-agent": this.opts.userAgent, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: Buffer.from(form.toString()),
      ...(signal && { signal }),
    });
  }

  private realmUrl(realm: string): URL {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new InvalidArgumentError(`${this.opts.host}: token realm "${realm.slice(0, 200)}" is not a URL`, { hint: "the registry's WWW-Authenticate header is malformed" });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new InvalidArgumentError(`${this.opts.host}: token realm "${url.protocol}" URL is not HTTP(S)`, { hint: "the registry's WWW-Authenticate header is malformed or hostile" });
    }
    return url;
  }
}

async function parseTokenResponse(res: HttpResponse, url: URL): Promise<{ token: string; expiresIn?: number }> {
  const what = `token endpoint ${url.origin}${url.pathname}`;
  const body = await readBody(res.body, MAX_TOKEN_RESPONSE, () => new InvalidArgumentError(`${what}: answer over ${MAX_TOKEN_RESPONSE} bytes`));
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    throw new InvalidArgumentError(`${what}: answer is not JSON`);
  }
  const d = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  const token = typeof d.token === "string" && d.token !== "" ? d.token : d.access_token;
  if (typeof token !== "string" || !TOKEN_GRAMMAR.test(token)) {
    throw new InvalidArgumentError(`${what}: answer has no usable token (token or access_token: visible ASCII)`);
  }
  return { token, ...(typeof d.expires_in === "number" && { expiresIn: d.expires_in }) };
}
