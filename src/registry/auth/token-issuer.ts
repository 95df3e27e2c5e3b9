import { randomBytes } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import * as z from "zod";
import { BerthError } from "../../oci/index.js";
import type { AccessScope } from "./access-scope.js";
import type { SigningKey } from "./signing-key.js";

/** A token that does not verify; `reason` says why, for the `error` of a Bearer challenge. */
export class TokenInvalidError extends BerthError {
  constructor(
    message: string,
    readonly reason: "expired" | "invalid",
    cause?: unknown,
  ) {
    super("UNAUTHENTICATED", message, { cause, hint: "get a new token from the token endpoint (docker login)" });
  }
}

/** Options of {@link TokenIssuer}. */
export interface TokenIssuerOptions {
  /** `iss`, checked on verify. */
  readonly issuer: string;
  /** `aud`: the registry's service name, checked on verify. */
  readonly service: string;
  /** Lifetime of access tokens in seconds. */
  readonly expiration: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** An access token and when it was made. */
export interface IssuedToken {
  readonly token: string;
  readonly issuedAt: Date;
  /** Seconds from issuedAt. */
  readonly expiresIn: number;
}

/** The claims of a verified access token. */
export interface VerifiedToken {
  /** `sub`; "" for an anonymous client. */
  readonly subject: string;
  readonly access: readonly AccessScope[];
  readonly expiresAt: Date;
}

/** The claims of a verified refresh token. */
export interface VerifiedRefreshToken {
  readonly subject: string;
  /** The password fingerprint the token was made against (Htpasswd.passwordVersion). */
  readonly passwordVersion: string;
}

const AccessClaimSchema = z.array(
  z.object({ type: z.enum(["repository", "registry"]), name: z.string(), actions: z.array(z.string()) }),
);

const ACCESS_TYP = "JWT";
// Refresh tokens carry another `typ`, so neither kind of token passes for the other.
const REFRESH_TYP = "berth-refresh+jwt";
// Distribution verifies with the same leeway; it covers skew between replicas sharing a key.
const CLOCK_TOLERANCE_S = 60;

/**
 * Issues and verifies the registry's JWTs, as distribution's token spec
 * (docs/spec/auth/jwt.md): header `alg` + `kid`, claims iss, sub, aud (the
 * service), exp, nbf, iat, jti and `access: [{type, name, actions}]`.
 * Refresh tokens (the OAuth2 flow's, for `docker login`'s identity token)
 * carry no access and no expiry; they are bound to the subject's password
 * fingerprint, so changing the password or deleting the user revokes them.
 */
export class TokenIssuer {
  private readonly now: () => Date;

  constructor(
    private readonly key: SigningKey,
    readonly opts: TokenIssuerOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Sign an access token for `subject` ("" when anonymous) granting `access`. */
  async issue(subject: string, access: readonly AccessScope[]): Promise<IssuedToken> {
    const issuedAt = this.now();
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const token = await this.sign(ACCESS_TYP, subject, { access: access.map((a) => ({ type: a.type, name: a.name, actions: [...a.actions] })) })
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + this.opts.expiration)
      .sign(this.key.privateKey);
    return { token, issuedAt: new Date(iat * 1000), expiresIn: this.opts.expiration };
  }

  /** Verify an access token: signature, alg, typ, iss, aud, nbf, exp and the `access` claim's shape. */
  async verify(token: string): Promise<VerifiedToken> {
    const payload = await this.check(token, ACCESS_TYP, ["exp"]);
    const access = AccessClaimSchema.safeParse(payload["access"] ?? []);
    if (!access.success) throw new TokenInvalidError("token has a malformed access claim", "invalid", access.error);
    return { subject: payload.sub ?? "", access: access.data, expiresAt: new Date((payload.exp ?? 0) * 1000) };
  }

  /** Sign a refresh token for `subject`, bound to its current password fingerprint. */
  async issueRefreshToken(subject: string, passwordVersion: string): Promise<string> {
    return this.sign(REFRESH_TYP, subject, { pwv: passwordVersion })
      .setIssuedAt(Math.floor(this.now().getTime() / 1000))
      .sign(this.key.privateKey);
  }

  /** Verify a refresh token's signature, typ, iss and aud; the caller checks the fingerprint. */
  async verifyRefreshToken(token: string): Promise<VerifiedRefreshToken> {
    const payload = await this.check(token, REFRESH_TYP, ["sub"]);
    const pwv = payload["pwv"];
    if (typeof pwv !== "string" || !payload.sub) throw new TokenInvalidError("refresh token lacks its subject or password version", "invalid");
    return { subject: payload.sub, passwordVersion: pwv };
  }

  private sign(typ: string, subject: string, claims: JWTPayload): SignJWT {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.key.alg, kid: this.key.kid, typ })
      .setIssuer(this.opts.issuer)
      .setSubject(subject)
      .setAudience(this.opts.service)
      .setJti(randomBytes(16).toString("base64url"));
  }

  private async check(token: string, typ: string, requiredClaims: string[]): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: [this.key.alg],
        typ,
        issuer: this.opts.issuer,
        audience: this.opts.service,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: this.now(),
        requiredClaims,
      });
      return payload;
    } catch (e) {
      throw describeJoseError(e);
    }
  }
}

function describeJoseError(e: unknown): TokenInvalidError {
  if (e instanceof joseErrors.JWTExpired) return new TokenInvalidError("token has expired", "expired", e);
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    return new TokenInvalidError(`token claim "${e.claim}" is ${e.reason === "missing" ? "missing" : "not accepted"}: ${e.message}`, "invalid", e);
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenInvalidError("token signature does not verify (signed by another key?)", "invalid", e);
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new TokenInvalidError(`token is not signed with the registry's algorithm`, "invalid", e);
  if (e instanceof joseErrors.JOSEError) return new TokenInvalidError(`token is malformed: ${e.message}`, "invalid", e);
  return new TokenInvalidError(`token does not verify: ${(e as Error)?.message ?? String(e)}`, "invalid", e);
}
