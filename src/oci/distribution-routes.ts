/**
 * The URL paths of the OCI distribution API, shared by the server (matching)
 * and the client (building), as distribution's api/v2 route descriptors.
 * Repository names hold slashes, so each pattern anchors on the fixed words
 * after the name.
 */
export type DistributionRoute =
  | { readonly kind: "base" }
  | { readonly kind: "catalog" }
  | { readonly kind: "manifest"; readonly name: string; readonly reference: string }
  | { readonly kind: "blob"; readonly name: string; readonly digest: string }
  | { readonly kind: "uploads"; readonly name: string }
  | { readonly kind: "upload"; readonly name: string; readonly uuid: string }
  | { readonly kind: "tags"; readonly name: string }
  | { readonly kind: "referrers"; readonly name: string; readonly digest: string };

const PATTERNS: readonly [RegExp, (m: RegExpExecArray) => DistributionRoute][] = [
  [/^\/v2\/?$/, () => ({ kind: "base" })],
  [/^\/v2\/_catalog$/, () => ({ kind: "catalog" })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: "manifest", name: m[1]!, reference: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: "uploads", name: m[1]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: "upload", name: m[1]!, uuid: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: "blob", name: m[1]!, digest: m[2]! })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: "tags", name: m[1]! })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: "referrers", name: m[1]!, digest: m[2]! })],
];

/** Match a request path (no query) to a distribution route, or undefined. */
export function matchDistributionRoute(path: string): DistributionRoute | undefined {
  for (const [re, make] of PATTERNS) {
    const m = re.exec(path);
    if (m) return make(m);
  }
  return undefined;
}

/** Paths for a client to request. */
export const distributionPath = {
  base: (): string => "/v2/",
  catalog: (): string => "/v2/_catalog",
  manifest: (name: string, reference: string): string => `/v2/${name}/manifests/${reference}`,
  blob: (name: string, digest: string): string => `/v2/${name}/blobs/${digest}`,
  uploads: (name: string): string => `/v2/${name}/blobs/uploads/`,
  tags: (name: string): string => `/v2/${name}/tags/list`,
  referrers: (name: string, digest: string): string => `/v2/${name}/referrers/${digest}`,
};
