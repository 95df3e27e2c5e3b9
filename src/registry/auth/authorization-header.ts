/** The realm of berth's Basic challenges: `WWW-Authenticate: Basic realm="berth-registry"`. */
export const BASIC_REALM = "berth-registry";

/** What an `Authorization` header carries. */
export type Credentials =
  | { readonly scheme: "basic"; readonly user: string; readonly password: string }
  | { readonly scheme: "bearer"; readonly token: string }
  | { readonly scheme: "malformed"; readonly reason: string }
  | { readonly scheme: "other"; readonly name: string };

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parse an `Authorization` header (RFC 7617 Basic, RFC 6750 Bearer; scheme
 * names are case-insensitive). Undefined or empty means no credentials.
 * Basic splits user and password at the first `:`, so passwords may hold
 * colons; an empty user with an empty password counts as no credentials.
 */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const m = /^\s*(\S+)\s*(.*?)\s*$/.exec(header);
  const scheme = m?.[1]?.toLowerCase() ?? "";
  const value = m?.[2] ?? "";
  if (scheme === "bearer") {
    return value === "" || /\s/.test(value) ? { scheme: "malformed", reason: "bearer token is empty or has spaces" } : { scheme, token: value };
  }
  if (scheme !== "basic") return { scheme: "other", name: m?.[1] ?? "" };
  if (!BASE64_RE.test(value)) return { scheme: "malformed", reason: "basic credentials are not base64" };
  const decoded = Buffer.from(value, "base64").toString("utf8");
  // containers/image (skopeo, podman) sends `Basic Og==`, an empty user and password, when it has no credentials.
  if (decoded === ":") return undefined;
  const colon = decoded.indexOf(":");
  if (colon <= 0) return { scheme: "malformed", reason: 'basic credentials are not "user:password"' };
  return { scheme, user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
