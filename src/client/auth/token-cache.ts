/** What a token was issued for: a token endpoint, a service and a set of scopes. */
export interface TokenKey {
  readonly realm: string;
  readonly service: string;
  /** `repository:<name>:<actions>` strings; order does not matter. */
  readonly scopes: readonly string[];
}

interface Entry {
  readonly token: string;
  readonly expiresAt: number;
}

// A token endpoint that gives no lifetime means 60 s (distribution's token spec).
const DEFAULT_LIFETIME_S = 60;
const MAX_ENTRIES = 256;

/**
 * Bearer tokens by (realm, service, scopes), dropped a little before they
 * expire so a request does not leave with a token that dies on the way. The
 * oldest entry goes when the cache holds MAX_ENTRIES. Tokens live only in
 * memory.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The cached token, or undefined when there is none or it is about to expire. */
  get(key: TokenKey): string | undefined {
    const k = keyOf(key);
    const e = this.entries.get(k);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(k);
      return undefined;
    }
    return e.token;
  }

  /** Keep `token` for `expiresInS` seconds (less a margin); a lifetime under 1 s or missing means 60 s. */
  set(key: TokenKey, token: string, expiresInS?: number): void {
    const lifetime = expiresInS !== undefined && Number.isFinite(expiresInS) && expiresInS >= 1 ? expiresInS : DEFAULT_LIFETIME_S;
    const margin = Math.min(10, lifetime / 4);
    const k = keyOf(key);
    this.entries.delete(k);
    this.entries.set(k, { token, expiresAt: this.now() + (lifetime - margin) * 1000 });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Forget a token the registry refused. */
  delete(key: TokenKey): void {
    this.entries.delete(keyOf(key));
  }

  get size(): number {
    return this.entries.size;
  }
}

const keyOf = (k: TokenKey): string => [k.realm, k.service, ...[...new Set(k.scopes)].sort()].join("\n");
